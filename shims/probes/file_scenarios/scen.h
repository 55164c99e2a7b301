/* Shared by the native twins of programs/files/: a fresh, empty working directory (the guest's
 * file system is empty but for /dev and /proc, and its working directory is /), the umask every
 * guest has (022), and the guest helpers' output: "label: result" with "-1 ERRNAME". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void init(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    char dir[] = "/tmp/spindle-files-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) { perror("scratch directory"); exit(1); }
    umask(022);
}
static void show(long r) {
    if (r < 0) printf("-1 %s\n", strerrorname_np(errno));
    else printf("%ld\n", r);
}
static void lab(const char *l) { printf("%s: ", l); }
/* st(fd): fstat, shown as "mode=0OCT size=N nlink=N". */
static void st_show(int r, struct stat *st) {
    if (r < 0) show(r);
    else printf("mode=0%o size=%ld nlink=%ld\n", st->st_mode, (long)st->st_size, (long)st->st_nlink);
}
static void st(int fd) { struct stat s; errno = 0; st_show(fstat(fd, &s), &s); }
/* stm(fd): fstat, shown as the mode only. */
static void stm(int fd) {
    struct stat s;
    int r = fstat(fd, &s);
    if (r < 0) show(r); else printf("mode=0%o\n", s.st_mode);
}
