/*
 * replay.c - run a fuzz corpus through LLVMFuzzerTestOneInput without
 * libFuzzer, so that CTest replays every seed (and every crash once fixed)
 * with the ordinary compiler and sanitizers.
 *
 * Besides the target's own checks (it aborts on any inconsistency), files
 * named "ok-*" must parse and files named "bad-*" must be rejected, so the
 * curated seeds double as a table of accepted and rejected spellings.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stamp/code.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (1 << 20)

static int replay_one(const char *dir, const char *name, uint8_t *buf)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path) {
		fprintf(stderr, "replay: %s/%s: path too long\n", dir, name);
		return -1;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t len = fread(buf, 1, REPLAY_MAX, f);
	int err = ferror(f) || !feof(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "replay: %s: read error or larger than %d bytes\n", path,
			REPLAY_MAX);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);

	stamp_code c;
	int rc = stamp_code_parse((const char *)buf, len, &c, NULL);
	if (strncmp(name, "ok-", 3) == 0 && rc != 0) {
		fprintf(stderr, "replay: %s: must parse, got %s\n", path, stamp_strerror(rc));
		return -1;
	}
	if (strncmp(name, "bad-", 4) == 0 && rc != STAMP_EMALFORMED) {
		fprintf(stderr, "replay: %s: must be rejected\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: replay CORPUS-DIR\n");
		return 2;
	}
	DIR *d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return 2;
	}
	uint8_t *buf = malloc(REPLAY_MAX);
	if (!buf) {
		closedir(d);
		return 2;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		if (replay_one(argv[1], e->d_name, buf) != 0)
			failed++;
	}
	closedir(d);
	free(buf);
	printf("replay: %d files, %d failed\n", files, failed);
	/* an empty corpus means a wrong path, not a pass */
	return files == 0 || failed ? 1 : 0;
}
