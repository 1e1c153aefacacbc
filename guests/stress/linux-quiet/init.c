/* PID 1 of the linux-quiet stress guest: a static C program, the whole user space. It prints the
 * ready line at once and then sleeps forever (PID 1 must never exit, or the kernel panics). With
 * `quiet` on the kernel command line the console carries little more than this line. */
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(int fd, const char *s)
{
    (void)!write(fd, s, strlen(s));
}

int main(void)
{
    /* The initramfs has an empty /dev: the console node comes from devtmpfs. */
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0)
        return 1;
    say(fd, "\napp: ready\n");
    for (;;)
        pause();
}
