/*
 * output.c - files and folders that appear whole or not at all.
 *
 * Batches and sheets are written under a temporary name beside their final
 * one ("<out>.tmp-XXXXXX", so the rename stays on one filesystem and is
 * atomic) and renamed when complete. A print shop or a script watching the
 * folder never sees half a batch; a failure removes the temporary name. Both
 * are created private (0700 / 0600): until they are stuck on products, the
 * codes they hold are genuine stamps that anyone could print.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

/*
 * out must not exist; *n is its length without trailing slashes ("pages/"
 * names the folder "pages": the temporary name goes beside it).
 */
static int fresh(const char *out, size_t *n, char *tmp, stamp_diag *diag)
{
	struct stat sb;
	tmp[0] = '\0';
	if (lstat(out, &sb) == 0)
		return stamp_diag_set(diag, STAMP_EEXIST, "%s: already exists; choose a new name",
				      out);
	*n = strlen(out);
	while (*n > 1 && out[*n - 1] == '/')
		(*n)--;
	return 0;
}

int stamp_output_reserve(const char *out, int folder, char *tmp, int *fd, stamp_diag *diag)
{
	size_t n;
	int rc = fresh(out, &n, tmp, diag);
	if (rc)
		return rc;
	if (n > INT_MAX || snprintf(tmp, PATH_MAX, "%.*s.tmp-XXXXXX", (int)n, out) >= PATH_MAX) {
		tmp[0] = '\0';
		return stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long", out);
	}
	if (folder ? mkdtemp(tmp) != NULL : (*fd = mkostemp(tmp, O_CLOEXEC)) >= 0)
		return 0;
	int e = errno;
	tmp[0] = '\0';
	return stamp_diag_set(diag, e, "%s: cannot create: %s", out, strerror(e));
}

int stamp_output_name(const char *out, char *tmp, stamp_diag *diag)
{
	static const char chars[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	char cwd[PATH_MAX], suffix[7];
	size_t n;
	int rc = fresh(out, &n, tmp, diag);
	if (rc)
		return rc;
	for (int i = 0; i < 6; i++)
		suffix[i] = chars[randombytes_uniform(sizeof chars - 1)];
	suffix[6] = '\0';
	/* absolute: a later run from another folder must find it */
	if (out[0] != '/' && !getcwd(cwd, sizeof cwd))
		return stamp_diag_set(diag, errno, "cannot tell the current folder: %s",
				      strerror(errno));
	if (n > INT_MAX || snprintf(tmp, PATH_MAX, "%s%s%.*s.tmp-%s", out[0] == '/' ? "" : cwd,
				    out[0] == '/' ? "" : "/", (int)n, out, suffix) >= PATH_MAX) {
		tmp[0] = '\0';
		return stamp_diag_set(diag, ENAMETOOLONG, "%s: path too long", out);
	}
	return 0;
}

int stamp_output_make_folder(char *tmp, stamp_diag *diag)
{
	if (mkdir(tmp, 0700) == 0)
		return 0;
	int e = errno;
	char name[PATH_MAX];
	snprintf(name, sizeof name, "%s", tmp);
	tmp[0] = '\0'; /* not ours: never remove it */
	return stamp_diag_set(diag, e, "%s: cannot create: %s", name, strerror(e));
}

int stamp_output_publish(char *tmp, const char *out, stamp_diag *diag)
{
	/*
	 * reserve checked that out did not exist, but a run can take minutes:
	 * plain rename would silently replace a file, or an empty folder, made
	 * meanwhile. Filesystems without RENAME_NOREPLACE get plain rename.
	 */
	int rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_NOREPLACE);
	if (rc != 0 && (errno == EINVAL || errno == ENOSYS))
		rc = rename(tmp, out);
	if (rc != 0)
		return stamp_diag_set(diag, errno, "%s: cannot rename to %s: %s", tmp, out,
				      strerror(errno));
	tmp[0] = '\0';
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void stamp_output_discard(char *tmp)
{
	if (tmp[0])
		nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp[0] = '\0';
}
