/*
 * fuzz_util.c - the helpers of fuzz.h: failing loudly, and the private
 * folder that holds the input file of the parsers that take a path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

int fuzz_result = FUZZ_NONE;

static char dir[64];

void fuzz_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* fd 2 itself: a target may have pointed stderr elsewhere */
	dprintf(2, "fuzz: invariant broken: %s\n", msg);
	abort();
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_dir(void)
{
	if (dir[0])
		nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (dir[0])
		return dir;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	int n = snprintf(dir, sizeof dir, "%s/ocopstamp-fuzz.XXXXXX", base ? base : "/tmp");
	if (n < 0 || (size_t)n >= sizeof dir || !mkdtemp(dir))
		fuzz_fail("cannot make a temporary folder: %s", strerror(errno));
	atexit(remove_dir);
	return dir;
}

#define FILES_MAX 8

const char *fuzz_file(const char *name, const uint8_t *data, size_t size, mode_t mode)
{
	static struct {
		char name[32];
		char path[128];
	} files[FILES_MAX];
	size_t i = 0;

	while (i < FILES_MAX && files[i].name[0] && strcmp(files[i].name, name) != 0)
		i++;
	if (i == FILES_MAX)
		fuzz_fail("more than %d file names", FILES_MAX);
	if (!files[i].name[0]) {
		int n = snprintf(files[i].path, sizeof files[i].path, "%s/%s", fuzz_dir(), name);
		if (n < 0 || (size_t)n >= sizeof files[i].path ||
		    strlen(name) >= sizeof files[i].name)
			fuzz_fail("file name too long: %s", name);
		strcpy(files[i].name, name);
	}
	const char *path = files[i].path;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, mode) != 0)
		fuzz_fail("%s: %s", path, strerror(errno));
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		if (w < 0 && errno != EINTR)
			fuzz_fail("%s: %s", path, strerror(errno));
		if (w > 0)
			off += (size_t)w;
	}
	close(fd);
	return path;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		fuzz_fail("out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int fuzz_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
