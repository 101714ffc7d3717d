/*
 * param.h - every limit of microipc in one place.
 *
 * Run-time options (--slots, --queue, --timeout) choose a value up to the
 * maximum given here; the defaults are small, so that a dump shows every
 * slot of both arrays at a glance.
 */
#ifndef MIPC_PARAM_H
#define MIPC_PARAM_H

#define MIPC_VERSION          "0.1.0"

#define MIPC_TEXT_MAX         254      /* bytes of TEXT in one request */
#define MIPC_LINE_MAX         1024     /* longest line a peer may send, newline excluded */
#define MIPC_ANSWER_MAX       512      /* longest answer or notice line the kernel writes */
#define MIPC_NAME_MAX         16       /* characters in a process NAME */

#define MIPC_SLOTS_DEFAULT    6        /* process table and mailbox slots */
#define MIPC_SLOTS_MAX        1024     /* largest --slots */
#define MIPC_QUEUE_DEFAULT    128      /* messages in flight on one link */
#define MIPC_QUEUE_MAX        65536    /* largest --queue */
#define MIPC_TIMEOUT_DEFAULT  5000     /* ms a server has to answer a delivery */
#define MIPC_TIMEOUT_MAX      3600000  /* largest --timeout, one hour */
#define MIPC_SYNC_MS          1000     /* a child's time to write its log before `kill` */

#define MIPC_CLIENTS_MAX      64       /* attached manual clients at once */
#define MIPC_OUTPUT_MAX       (1 << 20) /* bytes queued to one peer before it is cut off */
#define MIPC_PENDING_MAX      4096     /* lines of one peer awaiting their answer */
#define MIPC_RECEIVED_MAX     4096     /* distinct texts remembered per child for `expect` */
#define MIPC_PID_FIRST        1000     /* first simulated pid handed out by `spawn` */

#endif
