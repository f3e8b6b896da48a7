# mk/static.mk - `make static`: build/sonarbadge-static, one fully static
# executable (glibc and Debian's libmbedtls*.a linked in) that runs in an
# empty root file system: it needs only a CA file (--cacert) and, to
# resolve names, /etc/hosts. Objects are built apart, without SAN flags.
#   make static                 build/sonarbadge-static
#   make examples               also build/examples/rotate_one

STATIC_OBJS := $(patsubst %.c,$(BUILD)/static-obj/%.o,$(LIB_SRCS) $(CLI_SRCS))
STATIC_CFLAGS = $(CSTD) $(OPT) $(WARN) $(MBEDTLS_CFLAGS) $(CFLAGS)

.PHONY: static

static: $(BUILD)/sonarbadge-static

$(BUILD)/static-obj/%.o: %.c $(HEADERS) Makefile mk/static.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(STATIC_CFLAGS) -c $< -o $@

# glibc warns that getaddrinfo in a static program wants the NSS modules
# at run time; its built-in "files" and "dns" lookups serve /etc/hosts.
$(BUILD)/sonarbadge-static: $(STATIC_OBJS)
	@rm -f $@.tmp
	$(CC) -static $(LDFLAGS) -o $@.tmp $(STATIC_OBJS) $(MBEDTLS_LIBS) 2>$@.log; \
		rc=$$?; grep -v 'statically linked applications requires at runtime' $@.log >&2; \
		rm -f $@.log; [ $$rc -eq 0 ] && mv $@.tmp $@

# The example that rotates one project with the library.
examples: $(BUILD)/examples/rotate_one

$(BUILD)/examples/rotate_one: examples/rotate_one.c $(BUILD)/libsonarbadge.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(BUILD)/libsonarbadge.a $(MBEDTLS_LIBS)
