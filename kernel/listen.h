/*
 * listen.h - the kernel's Unix socket, which lets no other user in.
 */
#ifndef MIPC_LISTEN_H
#define MIPC_LISTEN_H

#include <stddef.h>

#include "log.h"

/*
 * The default socket path: $XDG_RUNTIME_DIR/microipc/kernel.sock, else
 * /tmp/microipc-UID/kernel.sock.  Returns 0, or -1 if it does not fit.
 */
int	listen_default_path(char *buf, size_t size);

/* The longest socket path the system takes, in bytes. */
size_t	listen_path_max(void);

/* How a refusal line starts: the kernel sends it to a client it will not
   take (too many clients, no descriptor left), then closes. */
#define LISTEN_REFUSED	"ERR ENOSPC refused: "

/*
 * Makes the socket's directory (0700) if it does not exist, and checks with
 * lstat that it is a directory, ours, that no one else may write to or enter,
 * replaces a socket file left by a dead kernel, refuses a live one, and binds
 * and listens with mode 0600.  Returns the non-blocking fd, or -1 after
 * printing why.
 */
int	listen_open(const char *path);

/* Accepts one connection from our own uid (others are refused and logged).
   Returns the non-blocking fd, or -1 when none is waiting, or -1 with errno
   EMFILE or ENFILE when the process is out of descriptors. */
int	listen_accept(int fd, struct logw *log);
/* Out of descriptors (err): takes the next connection with a descriptor
   kept spare for this, answers it with an ERR line and closes it.  Returns
   0 if one was refused, -1 if none was waiting. */
int	listen_refuse(int fd, struct logw *log, int err);

/* Closes the socket and removes its file, if the file is still the one it
   bound (not another kernel's, started there since). */
void	listen_close(int fd, const char *path);

/* Connects to a kernel's socket.  Returns the fd, or -1 with errno
   (ENAMETOOLONG: longer than listen_path_max()); prints nothing. */
int	listen_connect(const char *path);

#endif
