#!/usr/bin/env python3
"""cortex-m-sizes.py CLIENT.map FULL.map - the linked size of each part of
the Cortex-M size probe (tests/embedded/cortexm/size_probe.c), from GNU
ld's map files: flash (.vectors, .text, .rodata, .ARM.exidx, .data's
initial values) and RAM (.data, .bss), for mbedTLS's client-only and
full configurations. Prints a Markdown table."""
import re
import sys

FLASH = {".vectors", ".text", ".rodata", ".ARM.extab", ".ARM.exidx"}
RAM = {".bss"}
BOTH = {".data"}  # initial values in flash on a real board, and RAM
PARTS = ["libsonarbadge", "mbedTLS", "newlib-nano + libgcc", "board and program"]


def part_of(path):
    if "libsonarbadge.a" in path:
        return "libsonarbadge"
    if "libmbedtls.a" in path:
        return "mbedTLS"
    if re.search(r"lib(c_nano|g_nano|m|gcc|nosys|c)\.a", path) or "/arm-none-eabi/" in path:
        return "newlib-nano + libgcc"
    return "board and program"


def sizes(map_path):
    flash = {p: 0 for p in PARTS}
    ram = {p: 0 for p in PARTS}
    with open(map_path) as f:
        lines = f.read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        sys.exit("%s: not a GNU ld map" % map_path)
    out = None
    pending = None
    one = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    two = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    for line in lines[start:]:
        m = re.match(r"^(\.\S+)", line)
        if m:
            out = m.group(1)
            pending = None
            continue
        entry = None
        m = one.match(line)
        if m and not m.group(4).startswith("0x"):
            entry = (int(m.group(3), 16), m.group(4))
        elif pending:
            m = two.match(line)
            if m:
                entry = (int(m.group(2), 16), m.group(3))
        pending = re.match(r"^ (\.\S+|COMMON)\s*$", line)
        if not entry or out is None or entry[0] == 0:
            continue
        size, path = entry
        if "load address" in path:
            continue
        part = part_of(path)
        if out in FLASH or out in BOTH:
            flash[part] += size
        if out in RAM or out in BOTH:
            ram[part] += size
    return flash, ram


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    client = sizes(sys.argv[1])
    full = sizes(sys.argv[2])
    print("| part | flash, client-only mbedTLS | RAM (.data+.bss) | flash, full mbedTLS | RAM |")
    print("|---|---:|---:|---:|---:|")
    for p in PARTS:
        print("| %s | %d | %d | %d | %d |" % (p, client[0][p], client[1][p],
                                               full[0][p], full[1][p]))
    print("| **image** | **%d** | **%d** | **%d** | **%d** |" % (
        sum(client[0].values()), sum(client[1].values()),
        sum(full[0].values()), sum(full[1].values())))


if __name__ == "__main__":
    main()
