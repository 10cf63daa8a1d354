// SPDX-License-Identifier: GPL-2.0
/* Built with CONFIG_MODVERSIONS switched off for modpost: no __versions section at all. */
#include <linux/module.h>
#include <linux/delay.h>

static int __init kg_noversions_init(void)
{
	msleep(1);
	pr_info("kg_noversions\n");
	return 0;
}

static void __exit kg_noversions_exit(void)
{
}

module_init(kg_noversions_init);
module_exit(kg_noversions_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kabigate test kmod: no modversions");
