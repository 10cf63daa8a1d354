// SPDX-License-Identifier: GPL-2.0
/*
 * Uses kg_provider's namespaced export without MODULE_IMPORT_NS. modpost would refuse it,
 * so it is built without kg_provider's Module.symvers (KBUILD_MODPOST_WARN).
 */
#include <linux/module.h>

int kg_provider_ns_answer(void);

static int __init kg_nsmissing_init(void)
{
	pr_info("kg_nsmissing: %d\n", kg_provider_ns_answer());
	return 0;
}

static void __exit kg_nsmissing_exit(void)
{
}

module_init(kg_nsmissing_init);
module_exit(kg_nsmissing_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kabigate test kmod: namespaced import without MODULE_IMPORT_NS");
