#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a C file holding a binary file as `const unsigned char NAME[]` and `NAME_len`."""
import sys

src, dst, name = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as f:
    f.write('/* Generated from %s by dataplane/xdp/embed.py. */\n' % src.rsplit('/', 1)[-1])
    f.write('const unsigned char %s[] = {\n' % name)
    for i in range(0, len(data), 16):
        f.write('\t' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',\n')
    f.write('};\nconst unsigned long %s_len = %d;\n' % (name, len(data)))
