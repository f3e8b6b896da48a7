# mk/fresh.mk - `make check-fresh`: README's two commands (make demo, make
# test) in a pristine Debian 12 root made with debootstrap (minbase), from
# a git clone of HEAD; the packages of `make deb` installed there and run
# against the stand-in; examples/Dockerfile's build stage replayed there
# and its final stage run. As root (debootstrap, chroot, mounts); prints
# ok/FAIL per check and ends with "N passed, N failed". See
# scripts/check-fresh.sh for the details and its FRESH_* variables; the
# base root is cached in /var/cache/sonarbadge-fresh/ (FRESH_CACHE).
#   make check-fresh

.PHONY: check-fresh

check-fresh: deb
	@sh scripts/check-fresh.sh
