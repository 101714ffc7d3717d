/*
 * listen.c - the kernel's Unix socket, which lets no other user in.
 *
 * The socket lives in a directory that only its owner may enter: one that
 * does not exist is made 0700, and any is checked with lstat (a directory,
 * not a link, ours, and no one else may write to it or enter it) before
 * anything in it is touched.  Reading it is harmless: the names in it say
 * nothing a stranger could use without entering.  The
 * socket is bound with a umask that leaves it 0600 from the moment it exists,
 * and every connection's peer uid is checked as well, so a mistake in one of
 * the three layers does not let a stranger in.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "platform.h"

/*
 * The socket file this process bound, to remove it and no other: a kernel
 * started on the same path after the file was deleted has its own there.
 */
static dev_t bound_dev;
static ino_t bound_ino;
static int bound;

/*
 * A descriptor held in reserve: out of descriptors, accept() fails and the
 * connection stays queued, so the loop would wake for it again and again.
 * Closing the spare lets the kernel take the connection and tell it why it
 * is refused.
 */
static int spare = -1;

static void
take_spare(void)
{
	if ((spare = open("/dev/null", O_RDONLY)) != -1)
		(void)fcntl(spare, F_SETFD, FD_CLOEXEC);
}

int
listen_default_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/microipc/kernel.sock", xdg);
	else
		n = snprintf(buf, size, "/tmp/microipc-%u/kernel.sock",
		    (unsigned)getuid());
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

size_t
listen_path_max(void)
{
	return sizeof ((struct sockaddr_un *)0)->sun_path - 1;
}

/* Fills sa with path; -1 with errno ENAMETOOLONG if it does not fit. */
static int
address(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) > listen_path_max()) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * A socket path the user could choose instead of path, whose directory dir
 * is not private: a new directory of the user's own in dir, which
 * listen_open would make 0700.
 */
static void
suggest(char *buf, size_t size, const char *dir, const char *path)
{
	const struct passwd *pw = getpwuid(getuid());
	const char *base = strrchr(path, '/');
	char user[64];

	if (pw != NULL && pw->pw_name[0] != '\0' && strchr(pw->pw_name, '/') == NULL)
		snprintf(user, sizeof user, "%s", pw->pw_name);
	else
		snprintf(user, sizeof user, "%u", (unsigned)getuid());
	snprintf(buf, size, "%s%smipc-%s/%s", strcmp(dir, ".") == 0 ? "" : dir,
	    strcmp(dir, ".") == 0 || strcmp(dir, "/") == 0 ? "" : "/", user,
	    base != NULL ? base + 1 : path);
}

/* Makes the socket's directory if need be, and checks it is private. */
static int
private_dir(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		/* Only the socket's own directory is made (0700): its
		   parents are the user's to choose. */
		mipc_warn("cannot make %s: %s%s", dir, strerror(errno), errno == ENOENT ?
		    " (make its parent first, or choose another --socket)" : "");
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		mipc_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		mipc_warn("%s is not a directory: remove it or choose another "
		    "--socket", dir);
		return -1;
	}
	if (st.st_uid != getuid() ||
	    (st.st_mode & (S_IWGRP | S_IXGRP | S_IWOTH | S_IXOTH)) != 0) {
		/* Not "chmod it": the directory may well be /tmp. */
		char other[2 * sizeof dir + 80];
		suggest(other, sizeof other, dir, path);
		mipc_warn("%s is not private (owner uid %u, mode %04o): the socket's "
		    "directory must be yours, and no one else may write to it or "
		    "enter it; choose a new one, such as --socket %s (a directory "
		    "that does not exist is made 0700)", dir, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777), other);
		return -1;
	}
	return 0;
}

int
listen_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (address(&sa, path) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
listen_open(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	mode_t mask;
	int fd, r;

	if (address(&sa, path) == -1) {
		mipc_warn("socket path %s is too long (%zu bytes, at most %zu): "
		    "choose a shorter --socket", path, strlen(path), listen_path_max());
		return -1;
	}
	if (private_dir(path) == -1)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			mipc_warn("%s exists and is not a socket: remove it or choose "
			    "another --socket", path);
			return -1;
		}
		if ((fd = listen_connect(path)) != -1) {
			close(fd);
			mipc_warn("a kernel is already running on %s (stop it with "
			    "`mipc attach` and shutdown, or choose another --socket)",
			    path);
			return -1;
		}
		/* Nobody answers: a dead kernel left it.  Replace it. */
		if (unlink(path) == -1) {
			mipc_warn("cannot remove the stale socket %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		mipc_warn("socket: %s", strerror(errno));
		return -1;
	}
	mask = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(mask);
	if (r == -1 || listen(fd, 128) == -1 || plat_nonblock(fd) == -1) {
		mipc_warn("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		bound_dev = st.st_dev;
		bound_ino = st.st_ino;
		bound = 1;
	}
	if (spare == -1)
		take_spare();
	return fd;
}

int
listen_refuse(int lfd, struct logw *log, int err)
{
	static const char full[] = LISTEN_REFUSED "the kernel is out of file "
	    "descriptors (raise ulimit -n, or run fewer processes); try again "
	    "later\n";
	int fd;

	if (spare == -1)
		return -1;
	close(spare);
	spare = -1;
	if ((fd = accept(lfd, NULL, NULL)) != -1) {
		(void)write(fd, full, sizeof full - 1);
		close(fd);
		logw_printf(log, "client refused: %s", strerror(err));
	}
	take_spare();
	return fd == -1 ? -1 : 0;
}

int
listen_accept(int lfd, struct logw *log)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		uid_t uid;

		if (fd == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				return -1;	/* the caller's to refuse */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				logw_printf(log, "listen_accept: %s", strerror(errno));
			return -1;
		}
		if (plat_peer_uid(fd, &uid) == -1 || uid != getuid()) {
			logw_printf(log, "listen_accept: refused a client of uid %ld",
			    plat_peer_uid(fd, &uid) == -1 ? -1L : (long)uid);
			close(fd);
			continue;
		}
		if (plat_nonblock(fd) == -1) {
			logw_printf(log, "listen_accept: %s", strerror(errno));
			close(fd);
			continue;
		}
		return fd;
	}
}

void
listen_close(int fd, const char *path)
{
	struct stat st;

	(void)close(fd);
	if (spare != -1) {
		close(spare);
		spare = -1;
	}
	if (bound && lstat(path, &st) == 0 && st.st_dev == bound_dev &&
	    st.st_ino == bound_ino)
		(void)unlink(path);
	bound = 0;
}
