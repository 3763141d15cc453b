/* SPDX-License-Identifier: MIT */
/*
 * The small formatter behind the bare-metal log: the conversions the
 * library and the harness use, integer only (no floating point exists here).
 */
#include "smmukit/platform_baremetal.h"

struct out {
	char *buf;
	size_t len;
	size_t pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_padded(struct out *o, const char *s, size_t n, unsigned width,
		       bool left, char pad)
{
	size_t fill = width > n ? width - n : 0;

	if (!left)
		while (fill--)
			put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill--)
			put(o, ' ');
}

static void put_num(struct out *o, uint64_t v, bool neg, unsigned base,
		    bool upper, unsigned width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (pad == '0') {
			put(o, '-');
			if (width)
				width--;
		} else {
			tmp[sizeof(tmp) - 1 - n++] = '-';
		}
	}
	put_padded(o, &tmp[sizeof(tmp) - n], n, width, left, pad);
}

int smmukit_baremetal_vsnprintf(char *buf, size_t len, const char *fmt,
				va_list ap)
{
	struct out o = { buf, len, 0 };

	if (!fmt)
		fmt = "(null)";
	for (; *fmt; fmt++) {
		bool left = false, is_signed = false;
		char pad = ' ';
		unsigned width = 0, lng = 0, base = 10;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				pad = '0';
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = *fmt == 'z' ? 2 : lng + 1;
		switch (*fmt) {
		case '\0':
			fmt--;
			continue;
		case '%':
			put(&o, '%');
			continue;
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_padded(&o, &c, 1, width, left, ' ');
			continue;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n = 0;

			if (!str)
				str = "(null)";
			while (str[n])
				n++;
			put_padded(&o, str, n, width, left, ' ');
			continue;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), false,
				16, false, width, left, pad);
			continue;
		case 'd':
		case 'i':
			is_signed = true;
			break;
		case 'u':
			break;
		case 'x':
		case 'X':
			base = 16;
			break;
		default:
			/* Unknown conversion: show it rather than guess. */
			put(&o, '%');
			put(&o, *fmt);
			continue;
		}
		if (is_signed) {
			if (lng >= 2)
				s = (int64_t)va_arg(ap, long long);
			else if (lng == 1)
				s = (int64_t)va_arg(ap, long);
			else
				s = va_arg(ap, int);
			u = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
			put_num(&o, u, s < 0, 10, false, width, left, pad);
		} else {
			if (lng >= 2)
				u = (uint64_t)va_arg(ap, unsigned long long);
			else if (lng == 1)
				u = (uint64_t)va_arg(ap, unsigned long);
			else
				u = va_arg(ap, unsigned);
			put_num(&o, u, false, base, *fmt == 'X', width, left, pad);
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return (int)o.pos;
}
