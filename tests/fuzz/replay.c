/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay - run a fuzz target's LLVMFuzzerTestOneInput over saved inputs.
 *
 * PURPOSE  Lets ctest replay every seed and every past crash in every build
 *	    (libgit2, ClamAV), without libFuzzer.  Arguments are files or
 *	    directories (read one level deep).  Exit 0 when every input ran.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* run_file - feed one file to the target; -1 if it cannot be read */
static int
run_file(const char *path)
{
	FILE *fp;
	struct stat st;
	uint8_t *data;
	size_t got;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	if (fstat(fileno(fp), &st) != 0 || st.st_size < 0) {
		perror(path);
		fclose(fp);
		return -1;
	}
	/* An exact-size copy, so ASan sees reads past the end. */
	data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (data == NULL) {
		fclose(fp);
		return -1;
	}
	got = fread(data, 1, (size_t)st.st_size, fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(data, got);
	free(data);
	return 0;
}

int
main(int argc, char **argv)
{
	int ran = 0, failed = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *de;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			failed++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed += run_file(argv[i]) != 0;
			ran++;
			continue;
		}
		if ((dir = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			failed++;
			continue;
		}
		while ((de = readdir(dir)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			        argv[i], de->d_name) >= sizeof(path))
				continue;
			failed += run_file(path) != 0;
			ran++;
		}
		closedir(dir);
	}
	printf("replayed %d inputs, %d unreadable\n", ran, failed);
	return failed == 0 && ran > 0 ? 0 : 1;
}
