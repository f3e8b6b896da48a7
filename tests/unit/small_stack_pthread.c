/* small_stack_pthread.c - run_with_stack (small_stack.h) on a thread. */
#include "small_stack.h"

#include <pthread.h>

int run_with_stack(void *(*fn)(void *), void *arg, size_t stack)
{
	pthread_attr_t a;
	pthread_t t;
	int rc;

	if (pthread_attr_init(&a) != 0)
		return -1;
	rc = pthread_attr_setstacksize(&a, stack);
	if (rc == 0)
		rc = pthread_create(&t, &a, fn, arg);
	pthread_attr_destroy(&a);
	if (rc == 0)
		rc = pthread_join(t, NULL);
	return rc;
}
