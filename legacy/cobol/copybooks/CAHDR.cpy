000100*****************************************************************
000200* CAHDR     COMMON HEADER OF EVERY ONLINE COMMAREA              *
000300*           DEMO BANK CORE DEPOSITS AND LOANS                   *
000400*           COPIED AT LEVEL 05 BY CAINQ, CAOPEN, CAPOST,        *
000500*           CAXFER, CASTMT AND CACLOSE. LENGTH 80 BYTES.        *
000600*                                                               *
000700* SET BY THE CALLER:  CA-TXN-ID, CA-CHANNEL-CODE,               *
000800*                     CA-TERMINAL-ID                            *
000900* SET BY THE PROGRAM: CA-RETURN-CODE, CA-REASON-TEXT,           *
001000*                     CA-BUSINESS-DATE                          *
001100*                                                               *
001200* CA-TXN-ID IS THE CHANNEL'S UNIQUE TRANSACTION ID. AN UPDATE   *
001300* (OPEN, POST, TRANSFER, CLOSE) IS APPLIED AT MOST ONCE PER ID: *
001400* A REPEATED REQUEST WITH THE SAME ID AND THE SAME REQUEST      *
001500* FIELDS GETS THE FIRST REPLY BACK, BYTE FOR BYTE, WITH ITS     *
001600* ORIGINAL RETURN CODE. THE SAME ID WITH DIFFERENT REQUEST      *
001700* FIELDS (OR ANOTHER TRANSACTION) GETS RETURN CODE 50.          *
001800*                                                               *
001900* RETURN CODES                                                  *
002000*   00 OK                                                       *
002100*   10 ACCOUNT NOT FOUND                                        *
002200*   20 INSUFFICIENT FUNDS (AVAILABLE + OVERDRAFT < AMOUNT)      *
002300*   30 ACCOUNT CLOSED (OR NOT POSTABLE: FROZEN, PENDING)        *
002400*   35 BALANCE NOT ZERO (CLOSE REFUSED)                         *
002500*   40 INVALID AMOUNT (<= 0, OR BALANCE WOULD OVERFLOW)         *
002600*   50 DUPLICATE TXN ID WITH DIFFERENT CONTENT                  *
002700*   60 INVALID REQUEST (BAD FIELD VALUE, BLANK TXN ID ...)      *
002800*   90 SYSTEM ERROR (FILE ERROR; NOTHING IS RECORDED FOR THE    *
002900*      TXN ID, THE CHANNEL MAY RETRY WITH THE SAME ID)          *
003000*                                                               *
003100* MAINTENANCE                                                   *
003200* 1996-05-20 RJT  ORIGINAL (CICS LINK INTERFACE)                *
003300* 1998-08-30 PDW  TXN ID WIDENED TO 16 FOR ATM SWITCH           *
003400*****************************************************************
003500     05  CA-HEADER.
003600         10  CA-TXN-ID               PIC X(16).
003700         10  CA-CHANNEL-CODE         PIC X(3).
003800             88  CA-CHAN-ATM             VALUE 'ATM'.
003900             88  CA-CHAN-TELLER          VALUE 'TLR'.
004000             88  CA-CHAN-BATCH           VALUE 'BAT'.
004100             88  CA-CHAN-POS             VALUE 'POS'.
004200             88  CA-CHAN-HOME-BANKING    VALUE 'HBK'.
004300         10  CA-TERMINAL-ID          PIC X(8).
004400         10  CA-RETURN-CODE          PIC 9(2).
004500             88  CA-RC-OK                VALUE 00.
004600             88  CA-RC-NOT-FOUND         VALUE 10.
004700             88  CA-RC-INSUFFICIENT-FUNDS
004800                                         VALUE 20.
004900             88  CA-RC-ACCOUNT-CLOSED    VALUE 30.
005000             88  CA-RC-BALANCE-NOT-ZERO  VALUE 35.
005100             88  CA-RC-INVALID-AMOUNT    VALUE 40.
005200             88  CA-RC-DUPLICATE         VALUE 50.
005300             88  CA-RC-INVALID-REQUEST   VALUE 60.
005400             88  CA-RC-SYSTEM-ERROR      VALUE 90.
005500         10  CA-REASON-TEXT          PIC X(40).
005600         10  CA-BUSINESS-DATE        PIC 9(8).
005700         10  FILLER                  PIC X(3).
