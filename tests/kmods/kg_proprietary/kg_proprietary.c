// SPDX-License-Identifier: GPL-2.0
/*
 * A module whose license is not GPL-compatible importing kg_provider's GPL-only export.
 * modpost would refuse to build it against kg_provider's Module.symvers, so it is built
 * without it (KBUILD_MODPOST_WARN): the loader is the one that refuses it.
 */
#include <linux/module.h>

int kg_provider_plain(void);
int kg_provider_answer(void);

static int __init kg_proprietary_init(void)
{
	pr_info("kg_proprietary: %d %d\n", kg_provider_plain(), kg_provider_answer());
	return 0;
}

static void __exit kg_proprietary_exit(void)
{
}

module_init(kg_proprietary_init);
module_exit(kg_proprietary_exit);
MODULE_LICENSE("Proprietary");
MODULE_DESCRIPTION("kabigate test kmod: non-GPL module using a GPL-only export");
