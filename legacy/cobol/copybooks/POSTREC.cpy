000100*****************************************************************
000200* POSTREC   POSTING (TRANSACTION HISTORY) RECORD                *
000300*           DEMO BANK CORE DEPOSITS AND LOANS                   *
000400*           FILE: POSTHIST (VSAM ESDS / GDG BACKUP)             *
000500*           KEY: PR-ACCT-NUMBER + PR-POSTING-SEQ                *
000600*           RECORD LENGTH: 200 BYTES, FIXED                     *
000700*                                                               *
000800* ONE RECORD PER MONETARY POSTING. PR-POSTING-SEQ IS THE PER-   *
000900* ACCOUNT SEQUENCE (AM-LAST-POSTING-SEQ OF ACCTMAST AFTER THE   *
001000* POSTING). PR-CHANNEL-TXN-ID IS THE CHANNEL'S UNIQUE ID AND    *
001100* MAKES A REPEATED REQUEST RECOGNISABLE.                        *
001200* PR-AMOUNT IS ALWAYS POSITIVE; PR-DR-CR-CODE GIVES ITS SIGN.   *
001300*                                                               *
001400* MAINTENANCE                                                   *
001500* 1994-03-14 RJT  ORIGINAL                                      *
001600* 1998-08-30 PDW  CHANNEL TXN ID WIDENED TO 16 FOR ATM SWITCH   *
001700*****************************************************************
001800 01  POSTING-REC.
001900     05  PR-KEY.
002000         10  PR-ACCT-NUMBER          PIC 9(12).
002100         10  PR-POSTING-SEQ          PIC 9(9) COMP.
002200     05  PR-CHANNEL-TXN-ID           PIC X(16).
002300     05  PR-CHANNEL-CODE             PIC X(3).
002400         88  PR-CHAN-ATM                 VALUE 'ATM'.
002500         88  PR-CHAN-TELLER              VALUE 'TLR'.
002600         88  PR-CHAN-BATCH               VALUE 'BAT'.
002700         88  PR-CHAN-POS                 VALUE 'POS'.
002800         88  PR-CHAN-HOME-BANKING        VALUE 'HBK'.
002900     05  PR-TXN-CODE                 PIC 9(4).
003000         88  PR-TXN-CASH                 VALUE 1000 THRU 1099.
003100         88  PR-TXN-TRANSFER             VALUE 2000 THRU 2099.
003200         88  PR-TXN-INTEREST             VALUE 3000 THRU 3099.
003300         88  PR-TXN-FEE                  VALUE 4000 THRU 4099.
003400     05  PR-BUSINESS-DATE            PIC 9(8).
003500     05  PR-POSTING-TIMESTAMP        PIC X(26).
003600     05  PR-DR-CR-CODE               PIC X(1).
003700         88  PR-DEBIT                    VALUE 'D'.
003800         88  PR-CREDIT                   VALUE 'C'.
003900     05  PR-AMOUNT                   PIC S9(13)V99 COMP-3.
004000     05  PR-RUNNING-BALANCE          PIC S9(13)V99 COMP-3.
004100     05  PR-DESCRIPTION              PIC X(40).
004200     05  PR-REVERSAL-FLAG            PIC X(1).
004300         88  PR-IS-REVERSAL              VALUE 'R'.
004400         88  PR-NOT-REVERSAL             VALUE SPACE.
004500     05  PR-REVERSED-SEQ             PIC 9(9) COMP.
004600     05  PR-TELLER-ID                PIC X(8).
004700     05  PR-BRANCH                   PIC 9(3).
004800     05  FILLER                      PIC X(54).
