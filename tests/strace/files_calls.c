/* The file calls, valid and invalid: open/openat flags (O_CREAT's mode, O_EXCL, O_DIRECTORY
 * on a file, a directory for writing, unknown bits), read/write/pread64/pwrite64 on a regular
 * file, lseek's whence (and one it does not know), fstat (glibc 2.36 makes it
 * newfstatat(fd, "", …, AT_EMPTY_PATH)) and stat, mkdir, readlink of /proc/self/fd/N, unlink;
 * bad fds, NULL and unmapped pointers. Relative paths: tests/strace.rs runs it in a fresh
 * scratch directory (umask 022), as the guest twin programs/strace/files_calls.mir runs in
 * Spindle's in-memory root. */
/* strace -e trace also: readlink */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
    char buf[64];
    struct stat st;
    int fd, ro, dfd, g, nul;
    /* open: O_CREAT shows its mode, O_EXCL on an existing name, O_DIRECTORY on a file */
    fd = open("f.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
    open("f.txt", O_RDWR | O_CREAT | O_EXCL, 0600);
    open("f.txt", O_RDONLY | O_DIRECTORY);
    open("missing", O_RDONLY);
    open("f.txt/x", O_RDONLY);
    open(NULL, O_RDONLY);
    open((const char *)8, O_RDONLY);
    open("", O_RDONLY);
    ro = open("f.txt", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    close(open("f.txt", O_RDONLY | 0x800000));
    /* read and write at the offset, pread64/pwrite64 at their own */
    write(fd, "hello world\n", 12);
    write(ro, "x", 1);
    read(fd, buf, sizeof buf);
    lseek(fd, 0, SEEK_SET);
    read(fd, buf, sizeof buf);
    read(fd, buf, sizeof buf);
    read(fd, NULL, 4);
    pread(fd, buf, 5, 6);
    pread(fd, buf, 5, 100);
    pread(fd, buf, 5, -1);
    pread(99, buf, 5, 0);
    pwrite(fd, "HELLO", 5, 0);
    pwrite(fd, NULL, 5, 0);
    pwrite(ro, "x", 1, 0);
    pread(ro, buf, 12, 0);
    /* lseek: every whence, a negative offset, an unknown whence, a bad fd */
    lseek(fd, 0, SEEK_CUR);
    lseek(fd, -3, SEEK_END);
    lseek(fd, 100, SEEK_SET);
    lseek(fd, 2, SEEK_DATA);
    lseek(fd, 2, SEEK_HOLE);
    lseek(fd, 200, SEEK_DATA);
    lseek(fd, -1, SEEK_SET);
    lseek(fd, 0, 7);
    lseek(99, 0, SEEK_SET);
    /* fstat and stat: a file, a device, errors */
    fstat(fd, &st);
    fstat(99, &st);
    fstat(fd, NULL);
    stat("f.txt", &st);
    stat("missing", &st);
    stat("f.txt", NULL);
    stat(NULL, &st);
    nul = open("/dev/null", O_WRONLY);
    fstat(nul, &st);
    stat("/dev/zero", &st);
    /* directories: mkdir, opened for writing, read, a file in one, openat from it */
    mkdir("d", 0755);
    mkdir("d", 0700);
    mkdir("missing/d", 0755);
    mkdir(NULL, 0755);
    open("d", O_WRONLY);
    open("d", O_RDONLY | O_CREAT, 0644);
    stat("d", &st);
    dfd = open("d", O_RDONLY | O_DIRECTORY);
    fstat(dfd, &st);
    read(dfd, buf, sizeof buf);
    write(dfd, "x", 1);
    g = openat(AT_FDCWD, "d/g", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0640);
    write(g, "abc", 3);
    pwrite(g, "de", 2, 0);
    fstat(g, &st);
    openat(dfd, "g", O_RDONLY);
    openat(dfd, "h", O_RDWR | O_CREAT | O_EXCL, 0666);
    openat(fd, "g", O_RDONLY);
    openat(99, "g", O_RDONLY);
    openat(99, "/dev/null", O_RDONLY);
    /* readlink of /proc/self/fd/N: a file, a device (cut to 4 bytes), errors */
    readlink("/proc/self/fd/3", buf, sizeof buf);
    readlink("/proc/self/fd/6", buf, sizeof buf);
    readlink("/proc/self/fd/5", buf, 4);
    readlink("/proc/self/fd/99", buf, sizeof buf);
    readlink("f.txt", buf, sizeof buf);
    readlink("/proc/self/fd/3", NULL, sizeof buf);
    readlink("/proc/self/fd/3", buf, 0);
    /* unlink: a file that stays open, a missing name, a directory */
    unlink("f.txt");
    fstat(fd, &st);
    readlink("/proc/self/fd/3", buf, sizeof buf);
    unlink("f.txt");
    unlink("d");
    unlink(NULL);
    unlink("d/g");
    unlink("d/h");
    close(g);
    close(dfd);
    close(nul);
    close(ro);
    close(fd);
    return 0;
}
