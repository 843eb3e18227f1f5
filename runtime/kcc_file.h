/*
 * kcc_file.h - how kcc and its runtime open the files they read, and show
 * the text from them in messages.
 *
 * Internal to kcc (the compiler and the runtime library); not installed.
 *
 * Every file kcc reads goes through here, so that none of them can hang it
 * or make it read without end: a FIFO, a device or a directory is refused
 * by fstat before a byte is read (the file is opened O_NONBLOCK, so even a
 * FIFO without a writer does not block the open), and a whole-file read
 * stops one byte past the most the caller wants.
 *
 * Which files may be reached through symbolic links is the caller's
 * choice.  A file the user names (on the command line, in an API call)
 * may be a link.  A file that another file names -- a weight shard in a
 * manifest, the files inside a saved model's directory -- must lie inside
 * that directory: KCC_FILE_BENEATH walks its path from the directory one
 * component at a time and refuses "..", absolute paths and every
 * symbolic link on the way.
 */
#ifndef KCC_FILE_H
#define KCC_FILE_H

#include "kcc.h"

#include <stddef.h>

enum {
    /* path is relative to dir and stays inside it: no absolute path, no
     * "..", no symbolic link in any of its components. */
    KCC_FILE_BENEATH = 1,
};

/* Opens a regular file for reading: path, or with KCC_FILE_BENEATH dir's
 * path (dir itself, as given, may be reached through links; NULL or "" is
 * the current directory).  *fd gets a blocking descriptor (the caller
 * closes it) and *size the file's size as fstat says.  On failure
 * (KCC_ERR_IO, or KCC_ERR_NOMEM) err's message is only the reason -- "No
 * such file or directory", "a FIFO, not a regular file", "a symbolic link,
 * which kcc does not follow here ..." -- for the caller to put after the
 * file's name and what it was for; when an open failed, errno says why
 * (ENOENT for a missing file). */
kcc_status kcc_file_open(const char *dir, const char *path, unsigned flags, int *fd,
                         size_t *size, kcc_error *err);

/* Reads a whole regular file of at most max bytes (max < SIZE_MAX), opened
 * as kcc_file_open opens it.  *data gets the bytes and a NUL after them
 * (the caller frees it), *len their number.  A longer file is
 * KCC_ERR_FORMAT with the reason "larger than N bytes, the most kcc
 * reads of this file" (N in KiB, MiB or GiB when exact) and *len the file's size (more than max).  Failures give
 * only a reason, as above. */
kcc_status kcc_file_read(const char *dir, const char *path, unsigned flags, size_t max,
                         char **data, size_t *len, kcc_error *err);

/* The most kcc reads of a JSON file it is given: a model, a weights
 * manifest, keras.json, preprocessing.json.  The weights themselves are in
 * the shards, so that 256 MiB holds models of hundreds of thousands of
 * layers. */
#define KCC_FILE_MAX_JSON ((size_t)256 << 20)

/* Text from a file, made safe to print in a message: printable ASCII and
 * well-formed UTF-8 pass (but not the C1 controls U+0080..U+009F); every
 * other byte -- control characters, terminal escapes, DEL, broken UTF-8 --
 * becomes \xNN (\n, \r and \t for those three).  s[0..n) goes into dst
 * (NUL-terminated, cap >= 8 bytes), cut at a character with "..." when it
 * does not fit. */
void kcc_text_show(char *dst, size_t cap, const char *s, size_t n);

#endif /* KCC_FILE_H */
