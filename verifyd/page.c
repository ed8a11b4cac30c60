/* page.c - not written yet */
