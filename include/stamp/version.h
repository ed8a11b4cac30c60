/* version.h - TEMPORARY stand-in on branch cli-help until main's generated one is merged. */
#ifndef STAMP_VERSION_H
#define STAMP_VERSION_H

#define STAMP_VERSION "0.1.0"

const char *stamp_version(void);

#endif
