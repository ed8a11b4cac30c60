/* api.c - not written yet */
