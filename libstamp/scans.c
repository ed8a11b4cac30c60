/* scans.c - not written yet */
