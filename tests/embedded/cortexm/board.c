/* board.c - see board.h. Newlib-nano calls the _write ... _sbrk below. */
#include "board.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern int main(void);
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_bottom[], __stack_top[];
extern char __heap_start[], __heap_end[];

#define PAINT 0xa5a5a5a5u

/* ------------------------------------------------------- semihosting */

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0a
#define SYS_FLEN 0x0c
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023

static int semihost(int op, const void *arg)
{
	register int r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

static int console = -1;

static void console_open(void)
{
	/* ":tt" opened for writing (mode 4) is the host's stdout. */
	const void *args[3] = {":tt", (const void *)4, (const void *)3};

	console = semihost(SYS_OPEN, args);
}

/*
 * Files: the host's, through semihosting (the unit tests read their
 * fixtures, relative to the folder QEMU runs in). fd 0-2 is the console;
 * fd FD_BASE + i is host handle files[i].
 */
#define FD_BASE 16
#define MAX_FILES 8

static struct {
	int handle; /* 0: free */
	long pos;
} files[MAX_FILES];

static int slot_of(int fd)
{
	int i = fd - FD_BASE;

	return i >= 0 && i < MAX_FILES && files[i].handle ? i : -1;
}

int _open(const char *path, int flags, ...);
int _open(const char *path, int flags, ...)
{
	const void *args[3];
	int i, h;

	for (i = 0; i < MAX_FILES && files[i].handle; i++)
		;
	if (i == MAX_FILES || (flags & 3) != 0) { /* reading only */
		errno = (flags & 3) ? EROFS : EMFILE;
		return -1;
	}
	args[0] = path;
	args[1] = (const void *)1; /* "rb" */
	args[2] = (const void *)(intptr_t)strlen(path);
	h = semihost(SYS_OPEN, args);
	if (h == -1) {
		errno = ENOENT;
		return -1;
	}
	files[i].handle = h;
	files[i].pos = 0;
	return FD_BASE + i;
}

int _write(int fd, const char *buf, int len);
int _write(int fd, const char *buf, int len)
{
	const void *args[3];

	if (fd > 2) {
		errno = EBADF;
		return -1;
	}
	if (console < 0)
		console_open();
	args[0] = (const void *)(intptr_t)console;
	args[1] = buf;
	args[2] = (const void *)(intptr_t)len;
	return len - semihost(SYS_WRITE, args); /* it returns bytes left */
}

int _read(int fd, char *buf, int len);
int _read(int fd, char *buf, int len)
{
	const void *args[3];
	int i = slot_of(fd), n;

	if (i < 0)
		return 0;
	args[0] = (const void *)(intptr_t)files[i].handle;
	args[1] = buf;
	args[2] = (const void *)(intptr_t)len;
	n = len - semihost(SYS_READ, args); /* it returns bytes not read */
	files[i].pos += n;
	return n;
}

int _close(int fd);
int _close(int fd)
{
	const void *args[1];
	int i = slot_of(fd);

	if (i < 0)
		return fd <= 2 ? 0 : -1;
	args[0] = (const void *)(intptr_t)files[i].handle;
	semihost(SYS_CLOSE, args);
	files[i].handle = 0;
	return 0;
}

static long file_length(int i)
{
	const void *args[1];

	args[0] = (const void *)(intptr_t)files[i].handle;
	return semihost(SYS_FLEN, args);
}

int _fstat(int fd, struct stat *st);
int _fstat(int fd, struct stat *st)
{
	int i = slot_of(fd);

	memset(st, 0, sizeof(*st));
	if (i < 0) {
		st->st_mode = S_IFCHR;
		return 0;
	}
	st->st_mode = S_IFREG;
	st->st_size = file_length(i);
	return 0;
}

int _isatty(int fd);
int _isatty(int fd)
{
	return fd <= 2;
}

int _lseek(int fd, int off, int whence);
int _lseek(int fd, int off, int whence)
{
	const void *args[2];
	int i = slot_of(fd);
	long to;

	if (i < 0)
		return 0;
	to = whence == 0 ? off
	     : whence == 1 ? files[i].pos + off
			   : file_length(i) + off;
	if (to < 0) {
		errno = EINVAL;
		return -1;
	}
	args[0] = (const void *)(intptr_t)files[i].handle;
	args[1] = (const void *)(intptr_t)to;
	if (semihost(SYS_SEEK, args) != 0) {
		errno = EIO;
		return -1;
	}
	files[i].pos = to;
	return (int)to;
}

void _exit(int status);
void _exit(int status)
{
	semihost(SYS_EXIT, (const void *)(intptr_t)(
				   status == 0 ? ADP_STOPPED_APPLICATION_EXIT
					       : ADP_STOPPED_RUN_TIME_ERROR));
	for (;;)
		;
}

int _kill(int pid, int sig);
int _kill(int pid, int sig)
{
	static const char msg[] = "FAIL board: abort() (out of memory?)\n";

	(void)pid;
	(void)sig;
	_write(1, msg, (int)sizeof(msg) - 1);
	errno = EINVAL;
	return -1;
}

int _getpid(void);
int _getpid(void)
{
	return 1;
}

/* The fixed heap newlib's malloc grows into. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
	static char *brk = __heap_start;
	char *old = brk;

	if (incr < 0 || (size_t)incr > (size_t)(__heap_end - brk)) {
		errno = ENOMEM;
		return (void *)-1;
	}
	brk += incr;
	return old;
}

/* ------------------------------------------------------------ start-up */

void reset_handler(void);
static void fault_handler(void);

/* The vector table: the initial stack pointer, then the handlers. */
__attribute__((section(".vectors"), used)) static const struct {
	void *initial_sp;
	void (*handler[6])(void);
} vectors = {
	__stack_top,
	{
		reset_handler,
		fault_handler, /* NMI */
		fault_handler, /* HardFault */
		fault_handler, /* MemManage */
		fault_handler, /* BusFault */
		fault_handler, /* UsageFault */
	},
};

static void fault_handler(void)
{
	static const char msg[] = "FAIL board: CPU fault\n0 passed, 1 failed\n";

	_write(1, msg, (int)sizeof(msg) - 1);
	_exit(1);
}

void board_paint(void *bottom, size_t len)
{
	uint32_t *p = bottom;
	size_t i;

	for (i = 0; i < len / 4; i++)
		p[i] = PAINT;
}

size_t board_painted_used(const void *bottom, size_t len)
{
	const uint32_t *p = bottom;
	size_t i;

	for (i = 0; i < len / 4 && p[i] == PAINT; i++)
		;
	return len - i * 4;
}

size_t board_stack_used(void)
{
	return board_painted_used(
		__stack_bottom,
		(size_t)((char *)__stack_top - (char *)__stack_bottom));
}

void reset_handler(void)
{
	uint32_t *p;
	char *sp;

	for (p = __bss_start__; p < __bss_end__; p++)
		*p = 0;
	/* Paint the stack below this frame for the high-water mark. */
	__asm__ volatile("mov %0, sp" : "=r"(sp));
	board_paint(__stack_bottom,
		    (size_t)(sp - 64 - (char *)__stack_bottom) & ~(size_t)3);
	exit(main());
}

/* Switch the stack pointer to top, call fn(arg), switch back. */
__attribute__((naked)) void
board_call_on_stack(void (*fn)(void *) __attribute__((unused)),
		    void *arg __attribute__((unused)),
		    void *top __attribute__((unused)))
{
	__asm__ volatile("push {r4, lr}\n"
			 "mov r4, sp\n"
			 "mov sp, r2\n"
			 "mov r3, r0\n"
			 "mov r0, r1\n"
			 "blx r3\n"
			 "mov sp, r4\n"
			 "pop {r4, pc}\n");
}

/* ----------------------------------------------------------- the heap */

enum board_owner board_owner = OWNER_CLIENT;
struct board_heap_stats board_heap;
size_t board_heap_limit[OWNER_COUNT];
static int in_mbedtls;

struct block {
	uint32_t size;
	uint16_t owner;
	uint16_t mbedtls;
	uint32_t pad[2]; /* 16 bytes: every block stays 8-aligned */
};

void *board_alloc(size_t size)
{
	enum board_owner o = board_owner;
	struct block *b;

	board_heap.calls++;
	if (size > 0x7fffffffu ||
	    (board_heap_limit[o] &&
	     board_heap.live[o] + size > board_heap_limit[o])) {
		board_heap.failures++;
		return NULL;
	}
	b = malloc(sizeof(*b) + (size ? size : 1));
	if (!b) {
		board_heap.failures++;
		return NULL;
	}
	memset(b + 1, 0, size);
	b->size = (uint32_t)size;
	b->owner = (uint16_t)o;
	b->mbedtls = (uint16_t)(in_mbedtls && o == OWNER_CLIENT);
	board_heap.live[o] += size;
	if (b->mbedtls) {
		board_heap.mbedtls_live += size;
		if (board_heap.mbedtls_live > board_heap.mbedtls_peak)
			board_heap.mbedtls_peak = board_heap.mbedtls_live;
	}
	if (board_heap.live[o] > board_heap.peak[o]) {
		board_heap.peak[o] = board_heap.live[o];
		if (o == OWNER_CLIENT)
			board_heap.mbedtls_at_client_peak =
				board_heap.mbedtls_live;
	}
	return b + 1;
}

void board_free(void *ptr)
{
	struct block *b;

	if (!ptr)
		return;
	b = (struct block *)ptr - 1;
	board_heap.live[b->owner] -= b->size;
	if (b->mbedtls)
		board_heap.mbedtls_live -= b->size;
	memset(ptr, 0, b->size);
	free(b);
}

void board_heap_reset_peaks(void)
{
	int o;

	for (o = 0; o < OWNER_COUNT; o++)
		board_heap.peak[o] = board_heap.live[o];
	board_heap.mbedtls_peak = board_heap.mbedtls_live;
	board_heap.mbedtls_at_client_peak = board_heap.mbedtls_live;
}

/* mbedTLS's own default allocator (SB_MBEDTLS_BOARD_HEAP). */
void *sb_board_calloc(size_t n, size_t size);
void *sb_board_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return board_alloc(n * size);
}

void sb_board_free(void *ptr);
void sb_board_free(void *ptr)
{
	board_free(ptr);
}

/*
 * Linked with --wrap=mbedtls_calloc: every allocation mbedTLS makes,
 * through whichever allocator, is marked as mbedTLS's, so the client's
 * peak splits into the library's part and mbedTLS's.
 */
void *__real_mbedtls_calloc(size_t n, size_t size);
void *__wrap_mbedtls_calloc(size_t n, size_t size);
void *__wrap_mbedtls_calloc(size_t n, size_t size)
{
	void *p;

	in_mbedtls++;
	p = __real_mbedtls_calloc(n, size);
	in_mbedtls--;
	return p;
}
