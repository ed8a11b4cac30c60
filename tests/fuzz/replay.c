/*
 * replay.c - run a fuzz corpus through LLVMFuzzerTestOneInput without
 * libFuzzer, so that CTest replays every seed (and every crash once fixed)
 * with the ordinary compiler and sanitizers. One driver serves every target.
 *
 * Besides the target's own checks (it aborts on any inconsistency), files
 * named "ok-*" must be accepted and files named "bad-*" rejected (fuzz.h:
 * fuzz_result), so the curated seeds double as a table of accepted and
 * rejected inputs. Other names (what libFuzzer merged in) are only replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

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
	fuzz_result = FUZZ_NONE;
	LLVMFuzzerTestOneInput(buf, len);

	int ok = strncmp(name, "ok-", 3) == 0, bad = strncmp(name, "bad-", 4) == 0;
	if ((ok || bad) && fuzz_result == FUZZ_NONE) {
		fprintf(stderr, "replay: %s: this target gives no verdict; rename the seed\n",
			path);
		return -1;
	}
	if (ok && fuzz_result != 0) {
		fprintf(stderr, "replay: %s: must be accepted, got %d\n", path, fuzz_result);
		return -1;
	}
	if (bad && fuzz_result == 0) {
		fprintf(stderr, "replay: %s: must be rejected\n", path);
		return -1;
	}
	return 0;
}

static int replay_dir(const char *dir, uint8_t *buf, int *files)
{
	int failed = 0;
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		(*files)++;
		if (replay_one(dir, e->d_name, buf) != 0)
			failed++;
	}
	closedir(d);
	return failed;
}

int main(int argc, char **argv)
{
	int files = 0, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: replay CORPUS-DIR...\n");
		return 2;
	}
	uint8_t *buf = malloc(REPLAY_MAX);
	if (!buf)
		return 2;
	for (int i = 1; i < argc; i++)
		failed += replay_dir(argv[i], buf, &files);
	free(buf);
	printf("replay: %d files, %d failed\n", files, failed);
	/* an empty corpus means a wrong path, not a pass */
	return files == 0 || failed ? 1 : 0;
}
