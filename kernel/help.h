/*
 * help.h - the help of the console language, from one table.
 */
#ifndef MIPC_HELP_H
#define MIPC_HELP_H

/* The help: one line per verb, "SYNOPSIS   WHAT" (console `help`). */
void	gram_help(void (*line)(void *arg, const char *s), void *arg);

/*
 * Longer help on one verb, or on "scenario" (the language as a whole), for
 * `mipc help TOPIC`.  Returns 0, or -1 if there is no such topic.
 */
int	gram_help_topic(const char *topic, void (*line)(void *arg, const char *s),
	    void *arg);

#endif
