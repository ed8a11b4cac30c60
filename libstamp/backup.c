/*
 * backup.c - backups of the store and their restore (backup.h).
 *
 * LMDB makes the copy (mdb_env_copyfd2 with MDB_CP_COMPACT: a read
 * transaction, so it is consistent and blocks no one, and free pages are
 * left out); this module adds what an operator needs around it: the file and
 * its checksum appear whole (output.c), and a restore refuses a file whose
 * checksum or content is wrong before anything is put in place.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "stamp/backup.h"

static int sha256_fd(int fd, uint8_t out[STAMP_SHA256_BYTES])
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536];
	ssize_t n;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return errno;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
	if (n < 0)
		return errno;
	crypto_hash_sha256_final(&st, out);
	return 0;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* "<out>.sha256" into buf; ENAMETOOLONG when it does not fit. */
static int sum_path(const char *out, char *buf)
{
	return snprintf(buf, PATH_MAX, "%s.sha256", out) >= PATH_MAX ? ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		s += w;
		n -= (size_t)w;
	}
	return fsync(fd) ? errno : 0;
}

int stamp_backup_write(stamp_store *st, const char *out, uint8_t sha256[STAMP_SHA256_BYTES],
		       stamp_diag *diag)
{
	char tmp[PATH_MAX] = "", stmp[PATH_MAX] = "", sums[PATH_MAX], line[160];
	int fd = -1, sfd = -1, rc;
	struct stat sb;

	if ((rc = sum_path(out, sums)))
		return stamp_diag_set(diag, rc, "%s: path too long", out);
	if (lstat(sums, &sb) == 0)
		return stamp_diag_set(diag, STAMP_EEXIST, "%s: already exists; choose a new name",
				      sums);
	if ((rc = stamp_output_reserve(out, 0, tmp, &fd, diag)))
		return rc;
	if ((rc = mdb_env_copyfd2(stamp_store_env(st), fd, MDB_CP_COMPACT))) {
		stamp_diag_set(diag, rc, "%s: cannot copy the store: %s", out, mdb_strerror(rc));
		goto leave;
	}
	if (fsync(fd) != 0 || (rc = sha256_fd(fd, sha256)) != 0) {
		rc = rc ? rc : errno;
		stamp_diag_set(diag, rc, "%s: %s", tmp, strerror(rc));
		goto leave;
	}
	hex(sha256, STAMP_SHA256_BYTES, line);
	snprintf(line + 64, sizeof line - 64, "  %.80s\n", base_name(out));
	if ((rc = stamp_output_reserve(sums, 0, stmp, &sfd, diag)))
		goto leave;
	if ((rc = write_all(sfd, line, strlen(line)))) {
		stamp_diag_set(diag, rc, "%s: %s", stmp, strerror(rc));
		goto leave;
	}
	/* the checksum first: a backup file never stands without its checksum */
	if ((rc = stamp_output_publish(stmp, sums, diag)))
		goto leave;
	if ((rc = stamp_output_publish(tmp, out, diag)))
		unlink(sums);
leave:
	if (fd >= 0)
		close(fd);
	if (sfd >= 0)
		close(sfd);
	stamp_output_discard(tmp);
	stamp_output_discard(stmp);
	return rc;
}

/*
 * The checksum recorded beside file, from its first 64 hex digits. Without
 * file.sha256: STAMP_ENOTFOUND when missing_ok, else STAMP_ECORRUPT.
 */
static int read_sum(const char *file, uint8_t want[STAMP_SHA256_BYTES], int missing_ok,
		    stamp_diag *diag)
{
	char sums[PATH_MAX], line[160];
	size_t bin = 0;
	int rc = sum_path(file, sums);
	if (rc)
		return stamp_diag_set(diag, rc, "%s: path too long", file);
	FILE *f = fopen(sums, "r");
	if (!f && errno == ENOENT && missing_ok)
		return STAMP_ENOTFOUND;
	if (!f)
		return stamp_diag_set(diag, STAMP_ECORRUPT,
				      "%s: no checksum file (%s: %s): a backup comes with one",
				      file, sums, strerror(errno));
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	if (sodium_hex2bin(want, STAMP_SHA256_BYTES, line, 64, NULL, &bin, NULL) != 0 ||
	    bin != STAMP_SHA256_BYTES || strlen(line) < 66 || line[64] != ' ')
		return stamp_diag_set(diag, STAMP_ECORRUPT, "%s: not a sha256sum line", sums);
	return 0;
}

/* dir does not exist (*made: created now) or is empty. */
static int empty_dir(const char *dir, int *made, stamp_diag *diag)
{
	*made = 0;
	DIR *d = opendir(dir);
	if (!d && errno == ENOENT) {
		if (mkdir(dir, 0700) != 0)
			return stamp_diag_set(diag, errno, "%s: cannot create: %s", dir,
					      strerror(errno));
		*made = 1;
		return 0;
	}
	if (!d)
		return stamp_diag_set(diag, errno, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	int found = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			found = 1;
	closedir(d);
	return found ? stamp_diag_set(diag, STAMP_EEXIST,
				      "%s: not empty; restore only into an empty store folder", dir)
		     : 0;
}

static int copy_fd(int from, int to)
{
	char buf[65536];
	ssize_t n;
	if (lseek(from, 0, SEEK_SET) != 0)
		return errno;
	while ((n = read(from, buf, sizeof buf)) > 0) {
		int rc = write_all(to, buf, (size_t)n);
		if (rc)
			return rc;
	}
	return n < 0 ? errno : 0;
}

int stamp_backup_restore(const char *file, const char *dir, uint8_t sha256[STAMP_SHA256_BYTES],
			 stamp_diag *diag)
{
	uint8_t want[STAMP_SHA256_BYTES];
	char data[PATH_MAX], lock[PATH_MAX], tmp[PATH_MAX] = "";
	int fd = -1, out = -1, made = 0, placed = 0, rc;
	stamp_store *st = NULL;

	if ((rc = read_sum(file, want, 0, diag)))
		return rc;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return stamp_diag_set(diag, errno, "%s: %s", file, strerror(errno));
	if ((rc = sha256_fd(fd, sha256))) {
		stamp_diag_set(diag, rc, "%s: %s", file, strerror(rc));
		goto leave;
	}
	if (sodium_memcmp(sha256, want, sizeof want) != 0) {
		rc = stamp_diag_set(diag, STAMP_ECORRUPT,
				    "%s: checksum does not match %s.sha256: damaged or not this "
				    "backup",
				    file, file);
		goto leave;
	}
	if (snprintf(data, sizeof data, "%s/data.mdb", dir) >= (int)sizeof data ||
	    snprintf(lock, sizeof lock, "%s/lock.mdb", dir) >= (int)sizeof lock) {
		rc = stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long", dir);
		goto leave;
	}
	if ((rc = empty_dir(dir, &made, diag)) ||
	    (rc = stamp_output_reserve(data, 0, tmp, &out, diag)))
		goto leave;
	if ((rc = copy_fd(fd, out))) {
		stamp_diag_set(diag, rc, "%s: %s", tmp, strerror(rc));
		goto leave;
	}
	if ((rc = stamp_output_publish(tmp, data, diag)))
		goto leave;
	placed = 1;
	/* the checksum proves the bytes; opening proves they are a store */
	stamp_diag inner = {{0}};
	if ((rc = stamp_store_open(dir, STAMP_STORE_RDONLY, &st, &inner))) {
		rc = stamp_diag_set(diag, STAMP_ECORRUPT, "%s: not an ocopstamp store: %s", file,
				    inner.msg[0] ? inner.msg : stamp_strerror(rc));
		goto leave;
	}
	placed = 0; /* keep it */
leave:
	stamp_store_close(st);
	if (fd >= 0)
		close(fd);
	if (out >= 0)
		close(out);
	stamp_output_discard(tmp);
	if (placed) {
		unlink(data);
		unlink(lock);
	}
	if (rc && made)
		rmdir(dir);
	return rc;
}

int stamp_backup_verify(const char *file, uint8_t sha256[STAMP_SHA256_BYTES], int *vouched,
			struct stat *st, stamp_diag *diag)
{
	uint8_t want[STAMP_SHA256_BYTES];
	*vouched = 0;
	int rc = read_sum(file, want, 1, diag);
	if (rc && rc != STAMP_ENOTFOUND)
		return rc;
	int listed = rc == 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return stamp_diag_set(diag, errno, "%s: %s", file, strerror(errno));
	if ((st && fstat(fd, st) != 0) || (rc = sha256_fd(fd, sha256)) != 0) {
		rc = rc ? rc : errno;
		close(fd);
		return stamp_diag_set(diag, rc, "%s: %s", file, strerror(rc));
	}
	close(fd);
	if (listed && sodium_memcmp(sha256, want, sizeof want) != 0)
		return stamp_diag_set(diag, STAMP_ECORRUPT,
				      "%s: checksum does not match %s.sha256: damaged or not the "
				      "file it names",
				      file, file);
	*vouched = listed;
	return 0;
}
