/* Probe-shaped behaviours of the stress set ("quirk=NAME"; see quirks.c). */
#ifndef UK_QUIRKS_H
#define UK_QUIRKS_H

/* After the command line is known: "quirk=vga" moves the console to the VGA text screen if there is one. */
void quirks_console(void);
/* After the platform is up: runs the quirk named on the command line, if any; then never returns. */
void quirks_run(void);

#endif
