/*
 * test_file.c - kcc_file_open and kcc_file_read (runtime/kcc_file.h): only
 * regular files, never blocking on a FIFO, at most the bytes asked for,
 * and KCC_FILE_BENEATH's containment; and kcc_model_load, which reads a
 * saved model's files under that rule.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "kcc_file.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096];

/* dir/name, in a static buffer of four. */
static const char *at(const char *name)
{
    static char bufs[4][4200];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        printf("cannot write %s\n", path);
        exit(2);
    }
}

TEST(a_regular_file_is_read_whole_and_nul_terminated)
{
    char *data = NULL;
    size_t len = 0;
    kcc_error e = {KCC_OK, ""};
    CHECK_INT(kcc_file_read(NULL, at("ten.txt"), 0, 10, &data, &len, &e), KCC_OK);
    CHECK_INT(len, 10);
    CHECK_STR(data, "0123456789");
    free(data);
    /* An empty file is fine, and still a string. */
    CHECK_INT(kcc_file_read(NULL, at("empty.txt"), 0, 0, &data, &len, &e), KCC_OK);
    CHECK_INT(len, 0);
    CHECK_STR(data, "");
    free(data);
}

TEST(a_file_longer_than_the_limit_is_refused_with_its_size)
{
    char *data = (char *)"untouched";
    size_t len = 0;
    kcc_error e = {KCC_OK, ""};
    CHECK_INT(kcc_file_read(NULL, at("ten.txt"), 0, 9, &data, &len, &e), KCC_ERR_FORMAT);
    CHECK(data == NULL);
    CHECK_INT(len, 10);
    CHECK_STR(e.message, "larger than 9 bytes, the most kcc reads of this file");
    CHECK_INT(kcc_file_read(NULL, at("ten.txt"), 0, 0, &data, &len, &e), KCC_ERR_FORMAT);
    CHECK_STR(e.message, "larger than 0 bytes, the most kcc reads of this file");
}

TEST(the_limit_is_written_in_binary_units_when_exact)
{
    char *data;
    size_t len;
    kcc_error e = {KCC_OK, ""};
    CHECK_INT(kcc_file_read(NULL, "/dev/zero", 0, 1 << 20, &data, &len, &e), KCC_ERR_IO);
    CHECK_STR(e.message, "a character device, not a regular file");
    FILE *f = fopen(at("2k.txt"), "wb");
    for (int i = 0; f && i < 2049; i++)
        fputc('x', f);
    if (f)
        fclose(f);
    CHECK_INT(kcc_file_read(NULL, at("2k.txt"), 0, 2048, &data, &len, &e), KCC_ERR_FORMAT);
    CHECK_STR(e.message, "larger than 2 KiB, the most kcc reads of this file");
    CHECK_INT(len, 2049);
}

TEST(fifos_devices_and_directories_are_refused_without_blocking)
{
    char *data;
    size_t len;
    int fd;
    size_t size;
    kcc_error e = {KCC_OK, ""};
    /* No writer: a blocking open would never return. */
    CHECK_INT(kcc_file_read(NULL, at("fifo"), 0, 100, &data, &len, &e), KCC_ERR_IO);
    CHECK_STR(e.message, "a FIFO, not a regular file");
    CHECK_INT(kcc_file_open(NULL, at("fifo"), 0, &fd, &size, &e), KCC_ERR_IO);
    CHECK_INT(fd, -1);
    CHECK_STR(e.message, "a FIFO, not a regular file");
    CHECK_INT(kcc_file_read(NULL, "/dev/null", 0, 100, &data, &len, &e), KCC_ERR_IO);
    CHECK_STR(e.message, "a character device, not a regular file");
    CHECK_INT(kcc_file_read(NULL, dir, 0, 100, &data, &len, &e), KCC_ERR_IO);
    CHECK_STR(e.message, strerror(EISDIR));
    errno = 0;
    CHECK_INT(kcc_file_read(NULL, at("missing"), 0, 100, &data, &len, &e), KCC_ERR_IO);
    CHECK_INT(errno, ENOENT);
    CHECK_STR(e.message, strerror(ENOENT));
}

TEST(a_file_the_user_names_may_be_a_symbolic_link)
{
    char *data;
    size_t len;
    kcc_error e = {KCC_OK, ""};
    CHECK_INT(kcc_file_read(NULL, at("link-to-ten"), 0, 100, &data, &len, &e), KCC_OK);
    CHECK_STR(data, "0123456789");
    free(data);
    /* ... but must lead to a regular file. */
    CHECK_INT(kcc_file_read(NULL, at("link-to-fifo"), 0, 100, &data, &len, &e), KCC_ERR_IO);
    CHECK_STR(e.message, "a FIFO, not a regular file");
}

TEST(beneath_reads_files_inside_the_directory_and_its_subdirectories)
{
    char *data;
    size_t len;
    kcc_error e = {KCC_OK, ""};
    CHECK_INT(kcc_file_read(dir, "ten.txt", KCC_FILE_BENEATH, 10, &data, &len, &e), KCC_OK);
    CHECK_STR(data, "0123456789");
    free(data);
    CHECK_INT(kcc_file_read(dir, "./sub//inner.txt", KCC_FILE_BENEATH, 10, &data, &len, &e),
              KCC_OK);
    CHECK_STR(data, "inner");
    free(data);
    /* The directory itself, as the user gave it, may be reached through a
     * link. */
    CHECK_INT(kcc_file_read(at("link-to-sub"), "inner.txt", KCC_FILE_BENEATH, 10, &data, &len,
                            &e), KCC_OK);
    CHECK_STR(data, "inner");
    free(data);
}

TEST(beneath_refuses_links_dot_dot_and_absolute_paths)
{
    const char *link = "a symbolic link, which kcc does not follow here (the file must lie "
                       "inside the model's directory)";
    char *data;
    size_t len;
    kcc_error e = {KCC_OK, ""};
    CHECK_INT(kcc_file_read(dir, "link-to-ten", KCC_FILE_BENEATH, 10, &data, &len, &e),
              KCC_ERR_IO);
    CHECK_STR(e.message, link);
    CHECK_INT(kcc_file_read(dir, "link-to-sub/inner.txt", KCC_FILE_BENEATH, 10, &data, &len, &e),
              KCC_ERR_IO);
    CHECK_STR(e.message, link);
    CHECK_INT(kcc_file_read(at("sub"), "../ten.txt", KCC_FILE_BENEATH, 10, &data, &len, &e),
              KCC_ERR_IO);
    CHECK_STR(e.message, "a path through \"..\", outside the model's directory");
    CHECK_INT(kcc_file_read(dir, at("ten.txt"), KCC_FILE_BENEATH, 10, &data, &len, &e),
              KCC_ERR_IO);
    CHECK_STR(e.message, "an absolute path, outside the model's directory");
    CHECK_INT(kcc_file_read(dir, "fifo", KCC_FILE_BENEATH, 10, &data, &len, &e), KCC_ERR_IO);
    CHECK_STR(e.message, "a FIFO, not a regular file");
}

/* A trainer of a 3-parameter model with SGD (no slots), enough for
 * kcc_model_load. */
static kcc_model_def small_def = {.param_count = 3};

TEST(a_saved_model_s_files_must_lie_inside_its_directory)
{
    float params[3] = {0, 0, 0};
    kcc_trainer t;
    memset(&t, 0, sizeof t);
    t.def = &small_def;
    t.params = params;
    kcc_error e = {KCC_OK, ""};
    const char *saved = at("saved");
    REQUIRE(mkdir(saved, 0777) == 0);
    /* Three floats: 1, 2, 3. */
    static const unsigned char w[12] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40};
    write_text(at("weights-elsewhere.bin"), (const char *)w, sizeof w);
    char link[4300];
    snprintf(link, sizeof link, "%s/weights.bin", saved);
    REQUIRE(symlink("../weights-elsewhere.bin", link) == 0);
    CHECK_INT(kcc_model_load(&t, saved, &e), KCC_ERR_IO);
    char want[5000];
    snprintf(want, sizeof want, "%s/weights.bin: cannot open: a symbolic link, which kcc does "
             "not follow here (the file must lie inside the model's directory)", saved);
    CHECK_STR(e.message, want);
    CHECK(params[0] == 0);

    unlink(link);
    write_text(link, (const char *)w, sizeof w);
    char state[4300];
    snprintf(state, sizeof state, "%s/training_state.bin", saved);
    REQUIRE(mkfifo(state, 0666) == 0);
    CHECK_INT(kcc_model_load(&t, saved, &e), KCC_ERR_IO);
    snprintf(want, sizeof want, "%s/training_state.bin: cannot open: a FIFO, not a regular file",
             saved);
    CHECK_STR(e.message, want);

    /* Without a state: the weights alone. */
    unlink(state);
    CHECK_INT(kcc_model_load(&t, saved, &e), KCC_OK);
    CHECK(params[0] == 1 && params[1] == 2 && params[2] == 3);
    /* A weights file too long is not read past what the model needs. */
    write_text(link, "0123456789abcdef", 16);
    CHECK_INT(kcc_model_load(&t, saved, &e), KCC_ERR_FORMAT);
    snprintf(want, sizeof want, "%s/weights.bin: 16 bytes, the model's 3 parameters need 12",
             saved);
    CHECK_STR(e.message, want);
}

int main(void)
{
    const char *tmp = getenv("KCC_UNIT_TMPDIR");
    snprintf(dir, sizeof dir, "%s/file-test", tmp && *tmp ? tmp : "/tmp");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0 || mkdir(dir, 0777) != 0 || mkdir(at("sub"), 0777) != 0) {
        printf("cannot make %s\n", dir);
        return 2;
    }
    write_text(at("ten.txt"), "0123456789", 10);
    write_text(at("empty.txt"), "", 0);
    write_text(at("sub/inner.txt"), "inner", 5);
    if (mkfifo(at("fifo"), 0666) != 0 || symlink("ten.txt", at("link-to-ten")) != 0 ||
        symlink("fifo", at("link-to-fifo")) != 0 || symlink("sub", at("link-to-sub")) != 0) {
        printf("cannot make the FIFO and links in %s\n", dir);
        return 2;
    }
    RUN(a_regular_file_is_read_whole_and_nul_terminated);
    RUN(a_file_longer_than_the_limit_is_refused_with_its_size);
    RUN(the_limit_is_written_in_binary_units_when_exact);
    RUN(fifos_devices_and_directories_are_refused_without_blocking);
    RUN(a_file_the_user_names_may_be_a_symbolic_link);
    RUN(beneath_reads_files_inside_the_directory_and_its_subdirectories);
    RUN(beneath_refuses_links_dot_dot_and_absolute_paths);
    RUN(a_saved_model_s_files_must_lie_inside_its_directory);
    return check_exit();
}
