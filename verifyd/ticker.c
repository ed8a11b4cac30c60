/*
 * ticker.c - a thread that calls one function every period until stopped:
 * the scan writer (every second) and the connection guard's sweep (every
 * 250 ms). A stop wakes it at once instead of waiting out the period.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "verifyd.h"

struct ticker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC: a clock step neither stalls nor races it */
	int stopping;
	long period_ms;
	void (*fn)(void *);
	void *arg;
};

static void *run(void *p)
{
	ticker *t = p;
	pthread_mutex_lock(&t->lock);
	while (!t->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += t->period_ms / 1000;
		until.tv_nsec += (t->period_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000)
			until.tv_sec++, until.tv_nsec -= 1000000000;
		while (!t->stopping &&
		       pthread_cond_timedwait(&t->cond, &t->lock, &until) != ETIMEDOUT)
			;
		if (t->stopping)
			break;
		pthread_mutex_unlock(&t->lock);
		t->fn(t->arg);
		pthread_mutex_lock(&t->lock);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int ticker_start(long period_ms, void (*fn)(void *), void *arg, ticker **out)
{
	pthread_condattr_t ca;
	int rc;
	*out = NULL;
	ticker *t = calloc(1, sizeof *t);
	if (!t)
		return ENOMEM;
	*t = (ticker){.period_ms = period_ms, .fn = fn, .arg = arg};
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&t->thread, NULL, run, t))) {
		pthread_cond_destroy(&t->cond);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void ticker_stop(ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->stopping = 1;
	pthread_cond_signal(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
