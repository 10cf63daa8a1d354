// SPDX-License-Identifier: GPL-2.0
/* Imports misc_register/misc_deregister, whose CRCs changed between 6.1.0-47 and 6.1.0-56. */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>

static const struct file_operations kg_crcchange_fops = {
	.owner = THIS_MODULE,
};

static struct miscdevice kg_crcchange_device = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kg_crcchange",
	.fops = &kg_crcchange_fops,
};

static int __init kg_crcchange_init(void)
{
	return misc_register(&kg_crcchange_device);
}

static void __exit kg_crcchange_exit(void)
{
	misc_deregister(&kg_crcchange_device);
}

module_init(kg_crcchange_init);
module_exit(kg_crcchange_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kabigate test kmod: imports whose CRCs change between releases");
