000100*****************************************************************
000200* DIFFALL  ONE RECORD WITH AN ITEM OF EVERY KIND THE RECORD     *
000300*          CODEC HANDLES, FOR THE DIFFERENTIAL TESTS AGAINST    *
000400*          GNUCOBOL (TESTS/MAPPINGS/COBOL_DIFF_TEST.CC).        *
000500*          ENDS WITH AN OCCURS DEPENDING ON TABLE: THE RECORD   *
000600*          VARIES IN LENGTH.                                    *
000700*****************************************************************
000800 01  DIFF-REC.
000900     05  DF-TEXT                     PIC X(10).
001000     05  DF-ALPHA                    PIC A(6).
001100     05  DF-U-ZONED                  PIC 9(7).
001200     05  DF-S-ZONED                  PIC S9(7).
001300     05  DF-S-ZONED-V                PIC S9(5)V99.
001400     05  DF-S-LEAD                   PIC S9(5) SIGN LEADING.
001500     05  DF-S-LEAD-SEP               PIC S9(5)V9
001600                                     SIGN IS LEADING SEPARATE.
001700     05  DF-S-TRAIL-SEP              PIC S9(5)V9
001800                         SIGN TRAILING SEPARATE CHARACTER.
001900     05  DF-P-LEFT                   PIC S9(3)PP.
002000     05  DF-P-RIGHT                  PIC SVPP9(3).
002100     05  DF-B-S1                     PIC S9(2) COMP.
002200     05  DF-B-U1                     PIC 9(2) COMP.
002300     05  DF-B-S2                     PIC S9(4) COMP.
002400     05  DF-B-U2                     PIC 9(4) BINARY.
002500     05  DF-B-S4                     PIC S9(9) COMP-4.
002600     05  DF-B-U4                     PIC 9(9) COMP.
002700     05  DF-B-S8                     PIC S9(18) COMP.
002800     05  DF-B-U8                     PIC 9(18) BINARY.
002900     05  DF-B-SCALED                 PIC S9(5)V99 COMP.
003000     05  DF-N-S2                     PIC S9(4) COMP-5.
003100     05  DF-N-U4                     PIC 9(9) COMP-5.
003200     05  DF-N-S8                     PIC S9(18) COMP-5.
003300     05  DF-K-S-ODD                  PIC S9(7)V99 COMP-3.
003400     05  DF-K-S-EVEN                 PIC S9(6)V99 COMP-3.
003500     05  DF-K-U-ODD                  PIC 9(5) COMP-3.
003600     05  DF-K-U-EVEN                 PIC 9(4) PACKED-DECIMAL.
003700     05  DF-K-31                     PIC S9(29)V99 COMP-3.
003800     05  DF-K-38                     PIC S9(20)V9(18) COMP-3.
003900     05  DF-FLOAT-S                  COMP-1.
004000     05  DF-FLOAT-L                  COMP-2.
004100     05  DF-ED-MINUS                 PIC -Z(5)9.99.
004200     05  DF-ED-DOLLAR                PIC $$$,$$9.99CR.
004300     05  DF-ED-STAR                  PIC ***,**9.99.
004400     05  DF-ED-PLUS                  PIC +9(5).
004500     05  DF-ED-DB                    PIC Z(4)9.99DB.
004600     05  DF-ED-DATE                  PIC 99/99/9999.
004700     05  DF-ED-BWZ                   PIC ZZZ9.9 BLANK WHEN ZERO.
004800     05  DF-TABLE OCCURS 3 TIMES.
004900         10  DF-T-CODE               PIC X(2).
005000         10  DF-T-AMT                PIC S9(5)V99 COMP-3.
005100         10  DF-T-FLAGS              PIC 9 OCCURS 2 TIMES.
005200     05  DF-REDEF-KIND               PIC X.
005300         88  DF-REDEF-IS-TEXT            VALUE 'T'.
005400         88  DF-REDEF-IS-NUMBER          VALUE 'N'.
005500     05  DF-REDEF-TEXT               PIC X(8).
005600     05  DF-REDEF-NUMBER REDEFINES DF-REDEF-TEXT
005700                                     PIC S9(15) COMP-3.
005800     05  DF-ODO-COUNT                PIC 9(2).
005900     05  DF-ODO OCCURS 0 TO 5 TIMES DEPENDING ON DF-ODO-COUNT.
006000         10  DF-O-CODE               PIC X(3).
006100         10  DF-O-QTY                PIC S9(3).
