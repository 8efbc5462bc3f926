000100*****************************************************************
000200* DIFFMORE  MORE ITEM KINDS FOR THE DIFFERENTIAL TESTS: EDITED  *
000300*           PICTURES, SYNCHRONIZED BINARY, COMP-5 BEYOND ITS    *
000400*           PICTURE, P-SCALED BINARY, JUSTIFIED, GROUP USAGE.   *
000500*           FIXED LENGTH (NO ODO).                              *
000600*****************************************************************
000700 01  MORE-REC.
000800     05  MR-KEY                      PIC X(4).
000900     05  MR-N-S1                     PIC S9(2) COMP-5.
001000     05  MR-N-S2                     PIC S9(4) COMP-5.
001100     05  MR-N-U2                     PIC 9(4) COMP-5.
001200     05  MR-TAG                      PIC X.
001300     05  MR-SYNC-BIN                 PIC S9(9) COMP SYNC.
001400     05  MR-B-SCALED                 PIC SVP9(2) COMP.
001500     05  MR-B-BIG                    PIC S9(5)PPP COMP.
001600     05  MR-JUST                     PIC X(6) JUSTIFIED RIGHT.
001700     05  MR-PACKED-GROUP USAGE COMP-3.
001800         10  MR-PG-1                 PIC S9(5).
001900         10  MR-PG-2                 PIC S9(3)V9.
002000         10  MR-PG-3                 PIC 9(6).
002100     05  MR-ED-PLUS-FLOAT            PIC +++,++9.99.
002200     05  MR-ED-TRAIL-MINUS           PIC Z,ZZZ,ZZ9.99-.
002300     05  MR-ED-DOLLAR-STAR           PIC $**,**9.99.
002400     05  MR-ED-BLANK                 PIC 9(3)B9(3).
002500     05  MR-ED-ALL-Z                 PIC ZZZZ.ZZ.
002600     05  MR-ED-ZEROS                 PIC 0009(3).
002700     05  MR-ED-MINUS-FLOAT           PIC -(6)9.99.
002800     05  MR-ED-CR                    PIC ZZ9.99CR.
002900     05  MR-ED-ALNUM                 PIC XXBXX/X.
003000     05  MR-FLOAT-BIG                COMP-2.
003100     05  MR-FLOAT-TINY               COMP-1.
