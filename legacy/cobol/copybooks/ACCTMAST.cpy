000100*****************************************************************
000200* ACCTMAST  ACCOUNT MASTER RECORD                               *
000300*           DEMO BANK CORE DEPOSITS AND LOANS                   *
000400*           FILE: ACCTMAST (VSAM KSDS), KEY AM-ACCT-NUMBER      *
000500*           RECORD LENGTH: 250 BYTES, FIXED                     *
000600*                                                               *
000700* ACCOUNT NUMBER: PP BBB SSSSSS C                               *
000800*   PP     PRODUCT PREFIX 10 SAVINGS, 20 CHECKING,              *
000900*          30 TERM DEPOSIT, 40 LOAN                             *
001000*   BBB    DOMICILE BRANCH                                      *
001100*   SSSSSS SERIAL WITHIN BRANCH AND PRODUCT                     *
001200*   C      MOD-10 CHECK DIGIT                                   *
001300*                                                               *
001400* AMOUNTS ARE IN THE ACCOUNT CURRENCY, 2 DECIMALS. BALANCES OF  *
001500* LOAN ACCOUNTS ARE NEGATIVE (AMOUNT OWED BY THE CUSTOMER).     *
001600*                                                               *
001700* MAINTENANCE                                                   *
001800* 1994-03-14 RJT  ORIGINAL                                      *
001900* 1997-11-02 MKL  HOLD TABLE (3 HOLDS) OUT OF FILLER            *
002000* 1999-06-21 MKL  Y2K: OPEN/MATURITY DATES TO 9(8) CCYYMMDD     *
002100*****************************************************************
002200 01  ACCT-MASTER-REC.
002300     05  AM-ACCT-NUMBER              PIC 9(12).
002400     05  AM-ACCT-NUMBER-PARTS REDEFINES AM-ACCT-NUMBER.
002500         10  AM-ACCT-PRODUCT-PREFIX  PIC 9(2).
002600             88  AM-PFX-SAVINGS          VALUE 10.
002700             88  AM-PFX-CHECKING         VALUE 20.
002800             88  AM-PFX-TERM-DEPOSIT     VALUE 30.
002900             88  AM-PFX-LOAN             VALUE 40.
003000             88  AM-PFX-VALID            VALUE 10 20 30 40.
003100         10  AM-ACCT-BRANCH          PIC 9(3).
003200         10  AM-ACCT-SERIAL          PIC 9(6).
003300         10  AM-ACCT-CHECK-DIGIT     PIC 9(1).
003400     05  AM-PRODUCT-CODE             PIC X(4).
003500         88  AM-PROD-SAVINGS             VALUE 'SAVB' 'SAVP'.
003600         88  AM-PROD-CHECKING            VALUE 'CHKP' 'CHKB'.
003700         88  AM-PROD-TERM-DEPOSIT        VALUE 'TD03' 'TD06'
003800                                               'TD12' 'TD24'.
003900         88  AM-PROD-LOAN                VALUE 'LNPL' 'LNMT'.
004000     05  AM-CUSTOMER-ID              PIC 9(10).
004100     05  AM-STATUS                   PIC X(1).
004200         88  AM-STAT-ACTIVE              VALUE 'A'.
004300         88  AM-STAT-DORMANT             VALUE 'D'.
004400         88  AM-STAT-FROZEN              VALUE 'F'.
004500         88  AM-STAT-CLOSED              VALUE 'C'.
004600         88  AM-STAT-PENDING-OPEN        VALUE 'P'.
004700         88  AM-STAT-POSTABLE            VALUE 'A' 'D'.
004800     05  AM-CURRENCY                 PIC X(3).
004900     05  AM-BALANCES.
005000         10  AM-LEDGER-BALANCE       PIC S9(13)V99 COMP-3.
005100         10  AM-AVAILABLE-BALANCE    PIC S9(13)V99 COMP-3.
005200         10  AM-OVERDRAFT-LIMIT      PIC S9(11)V99 COMP-3.
005300         10  AM-ACCRUED-INTEREST     PIC S9(11)V99 COMP-3.
005400     05  AM-INTEREST-RATE            PIC S9(3)V9(6) COMP-3.
005500     05  AM-DATES.
005600         10  AM-OPEN-DATE            PIC 9(8).
005700         10  AM-MATURITY-DATE        PIC 9(8).
005800         10  AM-CLOSE-DATE           PIC 9(8).
005900         10  AM-LAST-ACTIVITY-DATE   PIC 9(5) COMP-3.
006000         10  AM-LAST-STATEMENT-DATE  PIC 9(5) COMP-3.
006100     05  AM-LAST-POSTING-SEQ         PIC 9(9) COMP.
006200     05  AM-STATEMENT-CYCLE          PIC X(1).
006300         88  AM-STMT-MONTHLY             VALUE 'M'.
006400         88  AM-STMT-QUARTERLY           VALUE 'Q'.
006500         88  AM-STMT-NONE                VALUE 'N'.
006600     05  AM-HOLD-COUNT               PIC 9(1).
006700     05  AM-HOLDS OCCURS 3 TIMES.
006800         10  AM-HOLD-TYPE            PIC X(1).
006900             88  AM-HOLD-LEGAL           VALUE 'L'.
007000             88  AM-HOLD-CHEQUE          VALUE 'C'.
007100             88  AM-HOLD-CARD-AUTH       VALUE 'A'.
007200             88  AM-HOLD-UNUSED          VALUE SPACE.
007300         10  AM-HOLD-AMOUNT          PIC S9(11)V99 COMP-3.
007400         10  AM-HOLD-EXPIRY-DATE     PIC 9(8).
007500         10  AM-HOLD-REFERENCE       PIC X(10).
007600     05  AM-LAST-MAINT.
007700         10  AM-LAST-MAINT-DATE      PIC 9(8).
007800         10  AM-LAST-MAINT-TERM      PIC X(4).
007900         10  AM-LAST-MAINT-USER      PIC X(8).
008000     05  FILLER                      PIC X(51).
