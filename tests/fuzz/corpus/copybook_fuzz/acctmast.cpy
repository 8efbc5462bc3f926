000100***************************************************************** ACCTMAST
000200* ACCTMAST - ACCOUNT MASTER RECORD (VSAM KSDS, KEY ACCT-NUMBER)   ACCTMAST
000300***************************************************************** ACCTMAST
000400  01  ACCT-MASTER-REC.                                            ACCTMAST
000500      05  ACCT-KEY.                                               ACCTMAST
000600          10  ACCT-BRANCH          PIC 9(4).                      ACCTMAST
000700          10  ACCT-NUMBER          PIC 9(10).                     ACCTMAST
000800      05  ACCT-TYPE                PIC X(2).                      ACCTMAST
000900          88  ACCT-SAVINGS         VALUE 'SV'.                    ACCTMAST
001000          88  ACCT-CHECKING        VALUE 'CK'.                    ACCTMAST
001100          88  ACCT-LOAN            VALUES ARE 'LN' 'ML' 'PL'.     ACCTMAST
001200      05  ACCT-STATUS              PIC X.                         ACCTMAST
001300          88  ACCT-OPEN            VALUE 'O'.                     ACCTMAST
001400          88  ACCT-CLOSED          VALUE 'C'.                     ACCTMAST
001500          88  ACCT-VALID-STATUS    VALUE 'A' THRU 'I', 'O'.       ACCTMAST
001600      05  ACCT-HOLDER-NAME.                                       ACCTMAST
001700          10  ACCT-LAST-NAME       PIC X(20).                     ACCTMAST
001800          10  ACCT-FIRST-NAME      PIC X(15).                     ACCTMAST
001900          10  ACCT-INITIAL         PIC X.                         ACCTMAST
002000      05  ACCT-OPEN-DATE           PIC 9(8).                      ACCTMAST
002100      05  ACCT-OPEN-DATE-R REDEFINES ACCT-OPEN-DATE.              ACCTMAST
002200          10  ACCT-OPEN-CCYY       PIC 9(4).                      ACCTMAST
002300          10  ACCT-OPEN-MM         PIC 99.                        ACCTMAST
002400          10  ACCT-OPEN-DD         PIC 99.                        ACCTMAST
002500      05  ACCT-BALANCE             PIC S9(13)V99 COMP-3.          ACCTMAST
002600      05  ACCT-AVAIL-BAL           PIC S9(13)V99 COMP-3.          ACCTMAST
002700      05  ACCT-INT-RATE            PIC SV9(5)    COMP-3.          ACCTMAST
002800      05  ACCT-OD-LIMIT            PIC S9(9)V99  COMP-3           ACCTMAST
002900                                   VALUE ZERO.                    ACCTMAST
003000      05  ACCT-LAST-TXN-SEQ        PIC S9(9) COMP.                ACCTMAST
003100D   05  ACCT-DEBUG-FLAG          PIC X.                           ACCTMAST
003200      05  ACCT-HIST-COUNT          PIC S9(4) COMP.                ACCTMAST
003300      05  FILLER                   PIC X(10) VALUE SPACES.        ACCTMAST
003400      05  ACCT-HIST OCCURS 0 TO 12 TIMES                          ACCTMAST
003500              DEPENDING ON ACCT-HIST-COUNT                        ACCTMAST
003600              INDEXED BY HIST-IDX.                                ACCTMAST
003700          10  HIST-MONTH           PIC 9(6).                      ACCTMAST
003800          10  HIST-AVG-BAL         PIC S9(13)V99 COMP-3.          ACCTMAST
003900          10  HIST-TXN-COUNT       PIC 9(5) COMP-3.               ACCTMAST
