// SPDX-License-Identifier: GPL-2.0
/* Imports only symbols whose CRC stayed the same across Debian's 6.1.0 ABIs. */
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/timekeeping.h>

static int __init kg_stable_init(void)
{
	int parsed = 0;

	if (kstrtoint("42", 10, &parsed))
		return -EINVAL;
	msleep(1);
	pr_info("kg_stable: %d %u %lld\n", parsed, get_random_u32(), ktime_get());
	return 0;
}

static void __exit kg_stable_exit(void)
{
}

module_init(kg_stable_init);
module_exit(kg_stable_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kabigate test kmod: imports with stable CRCs");
