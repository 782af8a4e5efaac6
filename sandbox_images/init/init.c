/*
 * PID 1 of a sandboxed server: make the machine look like a workstation, then run the
 * server as an ordinary user and stay its parent.
 *
 * The container starts this as root with a few capabilities (SYS_ADMIN, SYS_CHROOT, SYS_TIME,
 * SETUID, SETGID, SETPCAP, CHOWN, KILL); the server never holds any of them. Before the first
 * start:
 *
 *   0. With INIT_GATE (a directory the engine mounted), wait until a file named "ready" appears
 *      in it, then unmount it: the container may start while its network is still being set
 *      up, and the server runs only once that is done (nothing of the gate is left to see).
 *   1. A new root on tmpfs: every top-level directory of the image is bind-mounted into it
 *      (read-only when the image root was), /etc is copied so that hostname, hosts,
 *      resolv.conf, machine-id and the user's passwd entry are plain files, the home mount
 *      reappears as /home/<user>, and nothing else of the engine's (/.dockerenv, bind-mount
 *      sources naming the container) is reachable. The new root is then moved over the old
 *      one and entered with chroot (pivot_root is refused by the engine's seccomp profile).
 *   2. The host name, the next PID (so the server's is not 7), and a time namespace whose
 *      boot time makes the uptime a few days.
 *   3. The server is forked with every capability dropped (bounding set included), as uid
 *      and gid 1000, no-new-privileges; its environment carries none of this program's
 *      settings (INIT_*), which are stripped first.
 *
 * Then it reaps children, forwards SIGTERM/SIGINT/SIGHUP to the server, restarts it on
 * SIGUSR1 (same home, same environment: a second launch), and exits with its status.
 * The server's argv is carried through one re-exec in INIT_ARGV so that /proc/1/cmdline
 * reads "/sbin/init" alone. Any setup failure exits 125 with one line on stderr.
 *
 * Built static (no libc preload applies to it). Nothing here may name what watches.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#define NEWROOT "/mnt"
#define SEP '\x1f'
#define UID 1000

static pid_t server;
static volatile sig_atomic_t pending_signal, restart;

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("init: ", stderr);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, ": %s\n", strerror(errno));
    va_end(ap);
    exit(125);
}

static const char *conf(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

static void write_file(const char *path, const char *text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
    if (fd < 0) die("open %s", path);
    size_t left = strlen(text);
    while (left) {
        ssize_t n = write(fd, text, left);
        if (n < 0) die("write %s", path);
        text += n;
        left -= (size_t)n;
    }
    fchmod(fd, mode);
    close(fd);
}

static void copy_tree(const char *from, const char *to) {
    DIR *dir = opendir(from);
    if (!dir) die("opendir %s", from);
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
        char src[4096], dst[4096];
        snprintf(src, sizeof src, "%s/%s", from, entry->d_name);
        snprintf(dst, sizeof dst, "%s/%s", to, entry->d_name);
        struct stat st;
        if (lstat(src, &st) < 0) continue;
        if (S_ISDIR(st.st_mode)) {
            mkdir(dst, st.st_mode & 07777);
            copy_tree(src, dst);
        } else if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = readlink(src, target, sizeof target - 1);
            if (n < 0) continue;
            target[n] = 0;
            if (symlink(target, dst) < 0) continue;
        } else if (S_ISREG(st.st_mode)) {
            int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
            char buf[65536];
            ssize_t n;
            while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
                if (write(out, buf, (size_t)n) != n) break;
            if (in >= 0) close(in);
            if (out >= 0) close(out);
        } else {
            continue;
        }
        lchown(dst, st.st_uid, st.st_gid);
        if (!S_ISLNK(st.st_mode)) chmod(dst, st.st_mode & 07777);
    }
    closedir(dir);
}

/* Replace the entry whose numeric field `field` is UID with `line` (passwd, group, shadow). */
static void rewrite_entry(const char *path, int field, const char *old_name, const char *line) {
    FILE *in = fopen(path, "r");
    if (!in) return;
    char *out = calloc(1, 1 << 20), row[1024];
    size_t used = 0;
    while (fgets(row, sizeof row, in)) {
        int match = 0;
        if (field >= 0) {
            char *p = row;
            for (int i = 0; i < field && p; i++) p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
            match = p && atoi(p) == UID && strchr(row, ':') && strchr(row, ':') - row > 0;
        } else {
            size_t len = strlen(old_name);
            match = !strncmp(row, old_name, len) && row[len] == ':';
        }
        const char *take = match ? line : row;
        size_t len = strlen(take);
        if (used + len + 2 >= 1 << 20) break;
        memcpy(out + used, take, len);
        used += len;
        if (match) out[used++] = '\n';
    }
    fclose(in);
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0644;
    write_file(path, out, mode);
    free(out);
}

static char *old_user(void) {
    static char name[256];
    FILE *in = fopen("/etc/passwd", "r");
    char row[1024];
    while (in && fgets(row, sizeof row, in)) {
        char *colon = strchr(row, ':'), *p = row;
        for (int i = 0; i < 2 && p; i++) p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
        if (colon && p && atoi(p) == UID) {
            snprintf(name, sizeof name, "%.*s", (int)(colon - row), row);
            break;
        }
    }
    if (in) fclose(in);
    return name;
}

static void bind(const char *src, const char *dst, int read_only) {
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind %s", src);
    if (read_only && mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
        die("remount %s read-only", dst);
}

static void set_next_pid(const char *next) {
    /* /proc/sys is a read-only bind in a container: lift it for one write, then restore. */
    if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND, NULL) < 0) return;
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, next, strlen(next)) < 0) { /* best effort: the PID stays small */ }
        close(fd);
    }
    mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}

static void files_of_etc(const char *user, const char *home) {
    char text[4096], *previous = old_user();
    const char *host = conf("INIT_HOSTNAME", "localhost");
    snprintf(text, sizeof text, "%s\n", host);
    write_file(NEWROOT "/etc/hostname", text, 0644);
    snprintf(text, sizeof text,
             "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n"
             "# The following lines are desirable for IPv6 capable hosts\n"
             "::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n",
             host);
    write_file(NEWROOT "/etc/hosts", text, 0644);
    write_file(NEWROOT "/etc/resolv.conf", conf("INIT_RESOLV", "nameserver 127.0.0.53\noptions edns0 trust-ad\n"),
               0644);
    snprintf(text, sizeof text, "%s\n", conf("INIT_MACHINE_ID", "3f9c2b8e7d6a4f1e9b0c5d2a8e7f6b1c"));
    write_file(NEWROOT "/etc/machine-id", text, 0444);
    snprintf(text, sizeof text, "%s:x:%d:%d:%s:%s:/bin/bash", user, UID, UID, conf("INIT_GECOS", ""), home);
    rewrite_entry(NEWROOT "/etc/passwd", 2, NULL, text);
    snprintf(text, sizeof text, "%s:x:%d:", user, UID);
    rewrite_entry(NEWROOT "/etc/group", 2, NULL, text);
    if (*previous) {
        snprintf(text, sizeof text, "%s:!:19700:0:99999:7:::", user);
        rewrite_entry(NEWROOT "/etc/shadow", -1, previous, text);
    }
    const char *clock = getenv("INIT_CLOCK"), *preload = getenv("INIT_PRELOAD");
    if (clock && *clock && preload && *preload) {
        snprintf(text, sizeof text, "%s\n", clock);
        write_file(NEWROOT "/etc/faketimerc", text, 0644);
        snprintf(text, sizeof text, "%s\n", preload);
        write_file(NEWROOT "/etc/ld.so.preload", text, 0644);
    }
}

static void new_root(void) {
    const char *user = conf("INIT_USER", "user"), *home_mount = conf("INIT_HOME_MOUNT", "/home/node");
    char home[512], target[4096], cwd[4096];
    snprintf(home, sizeof home, "/home/%s", user);
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
    struct statvfs vfs;
    int read_only = statvfs("/", &vfs) == 0 && (vfs.f_flag & ST_RDONLY);

    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make / private");
    if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m") < 0) die("mount root");
    set_next_pid(conf("INIT_NEXT_PID", "1"));
    DIR *dir = opendir("/");
    if (!dir) die("opendir /");
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        const char *name = entry->d_name;
        if (name[0] == '.' || !strcmp(name, "mnt") || !strcmp(name, "etc") || !strcmp(name, "home")) continue;
        char src[4096];
        snprintf(src, sizeof src, "/%s", name);
        snprintf(target, sizeof target, NEWROOT "/%s", name);
        struct stat st;
        if (lstat(src, &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char link[4096];
            ssize_t n = readlink(src, link, sizeof link - 1);
            if (n >= 0 && (link[n] = 0, symlink(link, target) == 0)) continue;
            die("copy link %s", src);
        }
        if (!S_ISDIR(st.st_mode)) continue;
        mkdir(target, st.st_mode & 07777);
        int pseudo = !strcmp(name, "proc") || !strcmp(name, "sys") || !strcmp(name, "dev") || !strcmp(name, "tmp");
        bind(src, target, read_only && !pseudo);
    }
    closedir(dir);
    mkdir(NEWROOT "/mnt", 0755);
    mkdir(NEWROOT "/etc", 0755);
    copy_tree("/etc", NEWROOT "/etc");
    files_of_etc(user, home);
    mkdir(NEWROOT "/home", 0755);
    snprintf(target, sizeof target, NEWROOT "%s", home);
    mkdir(target, 0750);
    bind(home_mount, target, 0);

    /* switch_root's way: the old root stays under the new one, out of the chroot's reach */
    if (chdir(NEWROOT) < 0 || mount(NEWROOT, "/", NULL, MS_MOVE, NULL) < 0) die("move root");
    if (chroot(".") < 0 || chdir("/") < 0) die("chroot");
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) die("seal root");
    if (chdir(cwd) < 0 && chdir(home) < 0) die("chdir %s", cwd);
    setenv("PWD", cwd, 1);
}

static void wait_gate(void) {
    const char *gate = getenv("INIT_GATE");
    if (!gate || !*gate) return;
    char ready[4096];
    snprintf(ready, sizeof ready, "%s/ready", gate);
    struct timespec pause = {0, 5 * 1000 * 1000};
    while (access(ready, F_OK) < 0) {
        if (errno != ENOENT) die("gate %s", gate);
        nanosleep(&pause, NULL); /* unbounded here: whoever started the container bounds the wait */
    }
    if (umount2(gate, MNT_DETACH) < 0) die("unmount %s", gate);
}

static void time_namespace(void) {
    const char *uptime = getenv("INIT_UPTIME");
    if (!uptime || !*uptime) return;
    if (unshare(CLONE_NEWTIME) < 0) return; /* an older kernel: the host's uptime shows */
    char text[128];
    snprintf(text, sizeof text, "monotonic %s 0\nboottime %s 0\n", uptime, uptime);
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    if (fd < 0 || write(fd, text, strlen(text)) < 0) die("timens_offsets");
    close(fd);
}

static void strip_settings(void) {
    extern char **environ;
    for (int again = 1; again;) {
        again = 0;
        for (char **e = environ; *e; e++) {
            if (!strncmp(*e, "INIT_", 5) || !strncmp(*e, "HOSTNAME=", 9)) {
                char name[256];
                snprintf(name, sizeof name, "%.*s", (int)(strchr(*e, '=') - *e), *e);
                unsetenv(name);
                again = 1;
                break;
            }
        }
    }
}

static void become_user(void) {
    for (int cap = 0; cap <= 63; cap++) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    gid_t groups[] = {UID};
    if (setgroups(1, groups) < 0 || setresgid(UID, UID, UID) < 0 || setresuid(UID, UID, UID) < 0)
        die("drop privileges");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs");
}

static pid_t spawn(char **argv) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        become_user();
        execvp(argv[0], argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

static void on_signal(int sig) {
    if (sig == SIGUSR1) {
        restart = 1;
        alarm(3); /* a server that ignores SIGTERM is killed for the restart */
    }
    if (sig == SIGALRM) {
        pending_signal = restart ? SIGKILL : 0;
        return;
    }
    pending_signal = sig == SIGUSR1 ? SIGTERM : sig;
}

static char **split_argv(char *joined) {
    int count = 1;
    for (char *p = joined; *p; p++) count += *p == SEP;
    char **argv = calloc((size_t)count + 1, sizeof *argv);
    int n = 0;
    for (char *p = joined; p; n++) {
        argv[n] = p;
        p = strchr(p, SEP);
        if (p) *p++ = 0;
    }
    argv[n] = NULL;
    return argv;
}

int main(int argc, char **argv) {
    char *joined = getenv("INIT_ARGV");
    if (!joined) {
        if (argc < 2) {
            fprintf(stderr, "usage: %s command [args...]\n", argv[0]);
            return 125;
        }
        size_t size = 1;
        for (int i = 1; i < argc; i++) size += strlen(argv[i]) + 1;
        char *all = calloc(1, size);
        for (int i = 1; i < argc; i++) {
            strcat(all, argv[i]);
            if (i + 1 < argc) all[strlen(all)] = SEP;
        }
        setenv("INIT_ARGV", all, 1);
        char *self[] = {"/sbin/init", NULL};
        execv("/sbin/init", self);
        die("re-exec");
    }
    char **command = split_argv(strdup(joined));
    if (getuid() == 0) {
        wait_gate();
        new_root();
        const char *host = conf("INIT_HOSTNAME", NULL);
        if (host && sethostname(host, strlen(host)) < 0) die("sethostname");
        time_namespace();
    }
    strip_settings();

    int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGALRM};
    struct sigaction action = {.sa_handler = on_signal};
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &action, NULL);

    server = spawn(command);
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) {
            int sig = pending_signal;
            pending_signal = 0;
            if (sig && server > 0) kill(server, sig);
            continue;
        }
        if (pid < 0) return 125;
        if (pid != server) continue;
        if (restart) {
            restart = 0;
            alarm(0);
            server = spawn(command);
            continue;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
}
