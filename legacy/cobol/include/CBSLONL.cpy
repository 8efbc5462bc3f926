000100*****************************************************************
000200* CBSLONL   FILE-CONTROL OF THE ONLINE PROGRAMS: ALL FOUR FILES *
000300*           ARE DECLARED, EACH PROGRAM OPENS THOSE IT USES.     *
000400*****************************************************************
000500     COPY SLACCT.
000600     COPY SLPOST.
000700     COPY SLTXN.
000800     COPY SLCTL.
