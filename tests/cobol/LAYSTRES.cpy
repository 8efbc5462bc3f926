000100*****************************************************************
000200* LAYSTRES  CONSTRUCTS THAT STRESS THE COPYBOOK COMPILER'S      *
000300*           STORAGE RULES, CHECKED AGAINST GNUCOBOL BY          *
000400*           GNUCOBOL/LAYOUTMATCHTEST IN COBOL_DIFF_TEST.CC.     *
000500*****************************************************************
000600 01  STRESS-REC.
000700     05  ST-FLAG                     PIC X.
000800     05  ST-HALF                     PIC S9(4) COMP SYNC.
000900     05  ST-BYTE                     PIC X.
001000     05  ST-FULL                     PIC S9(9) BINARY
001100                                     SYNCHRONIZED.
001200     05  ST-BYTE2                    PIC X.
001300     05  ST-DOUBLE                   PIC S9(18) COMP SYNC.
001400     05  ST-BYTE3                    PIC X.
001500     05  ST-FLOAT                    COMP-1 SYNC.
001600     05  ST-BYTE4                    PIC X.
001700     05  ST-LONG-FLOAT               COMP-2 SYNC.
001800     05  ST-TABLE OCCURS 3 TIMES
001900                  INDEXED BY ST-IX.
002000         10  ST-T-CODE               PIC X(3).
002100         10  ST-T-AMOUNT             PIC S9(7)V99 USAGE IS
002200                                     PACKED-DECIMAL.
002300         10  ST-T-SUB OCCURS 2.
002400             15  ST-T-SUB-A          PIC 9(3).
002500             15  ST-T-SUB-B          PIC X.
002600     05  ST-GROUP-BIN USAGE BINARY.
002700         10  ST-GB-1                 PIC S9(4).
002800         10  ST-GB-2                 PIC 9(9).
002900     05  ST-VALUES.
003000         10  ST-V-1                  PIC X(5) VALUE 'A''B'.
003100         10  ST-V-2                  PIC S9(3)V9 VALUE -1.5.
003200             88  ST-V-2-LOW              VALUES ARE -99.9 THRU 0.
003300             88  ST-V-2-HIGH             VALUE 0.1 THRU 999.9.
003400         10  ST-V-3                  PIC X(40) VALUE
003500             'A LONG LITERAL THAT GOES ON AND ON'.
003600     05  ST-ALT-A                    PIC X(6).
003700     05  ST-ALT-B REDEFINES ST-ALT-A.
003800         10  ST-ALT-B-1              PIC 9(3) COMP-3.
003900         10  ST-ALT-B-2              PIC X(4).
004000     05  ST-ALT-C REDEFINES ST-ALT-A PIC S9(11) COMP-3.
004100     05  ST-EXTERNAL-SIGN            PIC S9(3)V99
004200                                     SIGN IS TRAILING SEPARATE.
004300     05  st-lower-case               pic x(2).
004400     05  ST-PIC-FORMS                PIC IS S999V9(2).
004500     05  ST-CNT                      PIC 9(2) COMP.
004600     05  ST-ODO OCCURS 1 TO 4 TIMES DEPENDING ON ST-CNT
004700                ASCENDING KEY IS ST-ODO-KEY INDEXED BY ST-OX.
004800         10  ST-ODO-KEY              PIC X(2).
004900         10  ST-ODO-VAL              PIC S9(5) COMP-3.
