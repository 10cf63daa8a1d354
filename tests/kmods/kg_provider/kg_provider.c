// SPDX-License-Identifier: GPL-2.0
/*
 * Exports a plain, a GPL-only and a namespaced symbol for the other test kmods, and imports
 * seq_printf, whose CRC changed between 6.1.0-47 and 6.1.0-56, so that its dependants fail with it.
 */
#include <linux/module.h>
#include <linux/seq_file.h>

int kg_provider_plain(void)
{
	return 1;
}
EXPORT_SYMBOL(kg_provider_plain);

int kg_provider_answer(void)
{
	return 42;
}
EXPORT_SYMBOL_GPL(kg_provider_answer);

int kg_provider_ns_answer(void)
{
	return 43;
}
EXPORT_SYMBOL_NS_GPL(kg_provider_ns_answer, KABIGATE_TEST);

void kg_provider_show(struct seq_file *file)
{
	seq_printf(file, "%d\n", kg_provider_answer());
}
EXPORT_SYMBOL_GPL(kg_provider_show);

static int __init kg_provider_init(void)
{
	return 0;
}

static void __exit kg_provider_exit(void)
{
}

module_init(kg_provider_init);
module_exit(kg_provider_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kabigate test kmod: exports for inter-module dependencies");
