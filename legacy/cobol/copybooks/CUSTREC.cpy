000100*****************************************************************
000200* CUSTREC   CUSTOMER (CIF) RECORD                               *
000300*           DEMO BANK CUSTOMER INFORMATION FILE                 *
000400*           FILE: CUSTMAST (VSAM KSDS), KEY CU-CUSTOMER-ID      *
000500*           RECORD LENGTH: 300 BYTES, FIXED                     *
000600*                                                               *
000700* MAINTENANCE                                                   *
000800* 1993-09-01 RJT  ORIGINAL                                      *
000900* 1999-06-21 MKL  Y2K: BIRTH AND SINCE DATES TO 9(8) CCYYMMDD   *
001000*****************************************************************
001100 01  CUSTOMER-REC.
001200     05  CU-CUSTOMER-ID              PIC 9(10).
001300     05  CU-NAME.
001400         10  CU-TITLE                PIC X(4).
001500         10  CU-FIRST-NAME           PIC X(20).
001600         10  CU-MIDDLE-INITIAL       PIC X(1).
001700         10  CU-LAST-NAME            PIC X(30).
001800     05  CU-BIRTH-DATE               PIC 9(8).
001900     05  CU-ADDRESS.
002000         10  CU-ADDR-LINE-1          PIC X(35).
002100         10  CU-ADDR-LINE-2          PIC X(35).
002200         10  CU-CITY                 PIC X(25).
002300         10  CU-STATE                PIC X(2).
002400         10  CU-POSTAL-CODE          PIC X(10).
002500         10  CU-COUNTRY              PIC X(2).
002600     05  CU-PHONE-HOME               PIC X(15).
002700     05  CU-PHONE-WORK               PIC X(15).
002800     05  CU-TAX-ID                   PIC X(11).
002900     05  CU-TAX-ID-TYPE              PIC X(1).
003000         88  CU-TAX-SSN                  VALUE 'S'.
003100         88  CU-TAX-EIN                  VALUE 'E'.
003200         88  CU-TAX-FOREIGN              VALUE 'F'.
003300     05  CU-SEGMENT                  PIC X(1).
003400         88  CU-SEG-RETAIL               VALUE 'R'.
003500         88  CU-SEG-PREMIER              VALUE 'P'.
003600         88  CU-SEG-SMALL-BUSINESS       VALUE 'B'.
003700         88  CU-SEG-STAFF                VALUE 'S'.
003800     05  CU-KYC-STATUS               PIC X(1).
003900         88  CU-KYC-VERIFIED             VALUE 'V'.
004000         88  CU-KYC-PENDING              VALUE 'P'.
004100         88  CU-KYC-EXPIRED              VALUE 'X'.
004200     05  CU-CUSTOMER-SINCE           PIC 9(8).
004300     05  CU-BRANCH                   PIC 9(3).
004400     05  CU-ACCOUNT-COUNT            PIC 9(3) COMP-3.
004500     05  CU-LANGUAGE                 PIC X(2).
004600     05  CU-LAST-MAINT-DATE          PIC 9(8).
004700     05  FILLER                      PIC X(51).
