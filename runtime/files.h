/*
 * files.h - how kcc and its runtime write files (files.c).  Internal: not
 * installed; the kcc executable uses it too, so that every file kcc
 * writes is written the same way.
 */
#ifndef KCC_FILES_H
#define KCC_FILES_H

#include "kcc.h"

/* One file to write: len bytes of data to path. */
typedef struct kcc_out_file {
    const char *path;
    const void *data;
    size_t len;
} kcc_out_file;

/* kcc_write_files flags. */
enum {
    KCC_WRITE_SYNC = 1          /* fsync each file before it replaces the old one */
};

/* Writes n files, all or nothing where the files allow it (files.c says
 * how each kind of path is written).  On failure nothing was replaced. */
kcc_status kcc_write_files(const kcc_out_file *files, int n, int flags, kcc_error *err);

/* One file, synced: kcc_write_files for the runtime's writers. */
kcc_status kcc_write_file(const char *path, const void *data, size_t len, kcc_error *err);

/* Creates dir and its missing parents (mkdir -p), as Keras's model.save
 * does.  An error names the directory that could not be made. */
kcc_status kcc_make_dirs(const char *dir, kcc_error *err);

/* Is path (after its symbolic links) a character device or a FIFO, which
 * are written in place? */
int kcc_path_is_stream(const char *path);

/* The file path's symbolic links lead to (path itself when it is none),
 * whether or not that file exists; malloc'ed.  NULL with errno set (ELOOP,
 * ENOMEM, ...). */
char *kcc_path_follow(const char *path);

/* Temporary files and directories (files.c explains the scheme). */

/* The process id in name, a temporary's name of the form
 * "PREFIX<pid>-XXXXXX" (X letters and digits); -1 if name is not one. */
long kcc_temporary_pid(const char *name, const char *prefix);
/* Locks the open temporary fd for its writer (flock, not waiting): 0, or
 * -1 with errno set. */
int kcc_temporary_lock(int fd);
/* Did the writer of the temporary fd, process pid, leave it behind?  True
 * when pid is not running here and nobody holds fd's lock (which fd then
 * holds).  Only for names kcc_temporary_pid accepts. */
int kcc_temporary_is_stale(int fd, long pid);

#endif /* KCC_FILES_H */
