/*
 * protocol.h - the kernel's side of the child protocol.
 */
#ifndef MIPC_PROTOCOL_H
#define MIPC_PROTOCOL_H

#include "serve.h"

/* A child's operations, for serve.c: what its lines mean, what it is told.
   proc_init hands them to every child spawned. */
extern const struct sproc_ops child_protocol;

#endif
