000100*****************************************************************
000200* CBWSONL   WORKING STORAGE OF THE ONLINE PROGRAMS (CBPDONL)    *
000300*           THE TXN-ID CHECK (REQUEST AND REPLY IMAGES) AND ONE *
000400*           POSTING LEG (ACCOUNT, D/C, AMOUNT, RESULT).         *
000500*                                                               *
000600* MAINTENANCE                                                   *
000700* 1996-05-20 RJT  ORIGINAL                                      *
000800*****************************************************************
000900 01  WS-ONLINE.
001000     05  WS-TRANCODE                 PIC X(8).
001100     05  WS-REQUEST-LENGTH           PIC 9(4) COMP.
001200     05  WS-REQUEST-IMAGE            PIC X(120).
001300     05  WS-COMMAREA-LENGTH          PIC 9(4) COMP.
001400     05  WS-COMMAREA-IMAGE           PIC X(200).
001500     05  WS-TXN-STATE                PIC X(1).
001600         88  TXN-IS-NEW                  VALUE 'N'.
001700         88  TXN-IS-REPLAY               VALUE 'R'.
001800         88  TXN-IS-DUPLICATE            VALUE 'D'.
001900 01  WS-LEG.
002000     05  WS-LEG-ACCT                 PIC 9(12).
002100     05  WS-LEG-DR-CR                PIC X(1).
002200         88  WS-LEG-DEBIT                VALUE 'D'.
002300         88  WS-LEG-CREDIT               VALUE 'C'.
002400     05  WS-LEG-TXN-CODE             PIC 9(4).
002500     05  WS-LEG-AMOUNT               PIC S9(13)V99 COMP-3.
002600     05  WS-LEG-DESCRIPTION          PIC X(40).
002700     05  WS-LEG-NEW-LEDGER           PIC S9(13)V99 COMP-3.
002800     05  WS-LEG-NEW-AVAILABLE        PIC S9(13)V99 COMP-3.
002900     05  WS-LEG-SEQ                  PIC 9(9).
003000     05  WS-LEG-RESULT               PIC 9(2).
003100     05  WS-LEG-REASON               PIC X(40).
