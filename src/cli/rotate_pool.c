/*
 * rotate_pool.c - the clients `rotate --jobs N` renews with (rotate.h):
 * one kept-alive connection each, a thread each but the first, which is
 * the caller's. A run hands every task to whichever client is free and
 * returns when all are done.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rotate.h"

struct rotate_pool {
	sb_client **clients;
	int n;
	pthread_t *threads;
	int started;

	pthread_mutex_t lock;
	pthread_cond_t work, done;
	unsigned generation; /* a new run */
	int closing;
	rotate_task_fn fn;
	char *args;
	size_t size, count, next, busy;
};

/* Take tasks of the current run until none is left. */
static void drain(rotate_pool *p, sb_client *c)
{
	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		if (p->next >= p->count) {
			pthread_mutex_unlock(&p->lock);
			return;
		}
		i = p->next++;
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		p->fn(c, p->args + i * p->size);
		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0 && p->next >= p->count)
			pthread_cond_broadcast(&p->done);
		pthread_mutex_unlock(&p->lock);
	}
}

struct worker {
	rotate_pool *p;
	int index;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	rotate_pool *p = w->p;
	sb_client *c = p->clients[w->index];
	unsigned seen = 0;

	free(w);
	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!p->closing && p->generation == seen)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->closing) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		seen = p->generation;
		pthread_mutex_unlock(&p->lock);
		drain(p, c);
	}
}

int rotate_pool_open(sb_client *first, const cli_options *o,
		     rotate_pool **out)
{
	rotate_pool *p = calloc(1, sizeof(*p));
	int i;

	*out = NULL;
	if (!p)
		goto nomem;
	p->n = o->jobs > 1 ? o->jobs : 1;
	p->clients = calloc((size_t)p->n, sizeof(sb_client *));
	p->threads = calloc((size_t)p->n, sizeof(pthread_t));
	if (!p->clients || !p->threads)
		goto nomem;
	p->clients[0] = first;
	for (i = 1; i < p->n; i++)
		p->clients[i] = o->workers[i - 1];
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	for (i = 1; i < p->n; i++) {
		struct worker *w = malloc(sizeof(*w));

		if (!w) {
			rotate_pool_close(p);
			goto nomem_closed;
		}
		w->p = p;
		w->index = i;
		if (pthread_create(&p->threads[i], NULL, worker_main, w) != 0) {
			free(w);
			rotate_pool_close(p);
			cli_error("cannot start a worker thread");
			return EXIT_USAGE;
		}
		p->started = i;
	}
	*out = p;
	return 0;
nomem:
	if (p) {
		free(p->clients);
		free(p->threads);
		free(p);
	}
nomem_closed:
	cli_error("out of memory");
	return EXIT_USAGE;
}

void rotate_pool_run(rotate_pool *p, rotate_task_fn fn, void *args,
		     size_t arg_size, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	if (p->n == 1) {
		for (i = 0; i < n; i++)
			fn(p->clients[0], (char *)args + i * arg_size);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->fn = fn;
	p->args = args;
	p->size = arg_size;
	p->count = n;
	p->next = 0;
	p->busy = 0;
	p->generation++;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	drain(p, p->clients[0]);
	pthread_mutex_lock(&p->lock);
	while (p->busy > 0 || p->next < p->count)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void rotate_pool_close(rotate_pool *p)
{
	int i;

	if (!p)
		return;
	if (p->n > 1) {
		pthread_mutex_lock(&p->lock);
		p->closing = 1;
		pthread_cond_broadcast(&p->work);
		pthread_mutex_unlock(&p->lock);
		for (i = 1; i <= p->started; i++)
			pthread_join(p->threads[i], NULL);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p->clients);
	free(p->threads);
	free(p);
}
