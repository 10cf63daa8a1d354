// SPDX-License-Identifier: GPL-2.0
/* Imports kg_provider's GPL-only and namespaced exports, importing the namespace as it must. */
#include <linux/module.h>

int kg_provider_answer(void);
int kg_provider_ns_answer(void);

static int __init kg_consumer_init(void)
{
	pr_info("kg_consumer: %d %d\n", kg_provider_answer(), kg_provider_ns_answer());
	return 0;
}

static void __exit kg_consumer_exit(void)
{
}

module_init(kg_consumer_init);
module_exit(kg_consumer_exit);
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KABIGATE_TEST);
MODULE_DESCRIPTION("kabigate test kmod: depends on kg_provider");
