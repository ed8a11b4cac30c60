/*
 * test_backup.c - a backup's checksum as a reader of a published snapshot
 * checks it (stamp_backup_verify): vouched for by FILE.sha256 when that
 * matches, taken but not vouched for without one, refused when it does not
 * match or is not a sha256sum line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <unistd.h>

#include "fixture.h"

static void path_in(fixture *f, const char *name, char *out, size_t n)
{
	int len =
		snprintf(out, n, "%.*s/%s", (int)(strlen(f->dir) - strlen("/store")), f->dir, name);
	assert_true(len > 0 && (size_t)len < n);
}

static void write_text(const char *path, const char *text)
{
	FILE *o = fopen(path, "w");
	assert_non_null(o);
	fputs(text, o);
	assert_int_equal(fclose(o), 0);
}

static void a_backup_is_vouched_for_by_its_checksum(void **state)
{
	fixture *f = *state;
	char file[128], sums[160];
	uint8_t made[STAMP_SHA256_BYTES], got[STAMP_SHA256_BYTES];
	struct stat st, again;
	stamp_diag d = {{0}};
	int vouched = -1;

	path_in(f, "snap.bak", file, sizeof file);
	snprintf(sums, sizeof sums, "%s.sha256", file);
	assert_int_equal(stamp_backup_write(f->st, file, made, &d), 0);
	assert_int_equal(stamp_backup_verify(file, got, &vouched, &st, &d), 0);
	assert_int_equal(vouched, 1);
	assert_memory_equal(got, made, sizeof got);
	assert_int_equal(stat(file, &again), 0);
	assert_true(st.st_ino == again.st_ino && st.st_dev == again.st_dev);

	/* without the checksum file: the same sum, vouched for by nothing */
	assert_int_equal(unlink(sums), 0);
	memset(got, 0, sizeof got);
	assert_int_equal(stamp_backup_verify(file, got, &vouched, NULL, &d), 0);
	assert_int_equal(vouched, 0);
	assert_memory_equal(got, made, sizeof got);

	/* a checksum file that is not one */
	write_text(sums, "not a checksum\n");
	assert_int_equal(stamp_backup_verify(file, got, &vouched, NULL, &d), STAMP_ECORRUPT);
	assert_int_equal(vouched, 0);
	assert_non_null(strstr(d.msg, "not a sha256sum line"));

	/* another file's checksum: refused, and said so */
	write_text(sums, "0000000000000000000000000000000000000000000000000000000000000000  "
			 "snap.bak\n");
	assert_int_equal(stamp_backup_verify(file, got, &vouched, NULL, &d), STAMP_ECORRUPT);
	assert_non_null(strstr(d.msg, "checksum does not match"));
	assert_int_equal(vouched, 0);

	/* no file at all: the errno, not a verdict on its content */
	path_in(f, "none.bak", file, sizeof file);
	assert_int_equal(stamp_backup_verify(file, got, &vouched, NULL, &d), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_backup_is_vouched_for_by_its_checksum,
						fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
