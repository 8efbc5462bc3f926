000100* CUSTREC - CUSTOMER RECORD, TWO RECORD TYPES IN ONE FILE         CUSTREC 
000200  01  CUST-HEADER-REC.                                            CUSTREC 
000300      05  CUST-REC-TYPE            PIC X.                         CUSTREC 
000400          88  CUST-IS-HEADER       VALUE 'H'.                     CUSTREC 
000500      05  CUST-ID                  PIC 9(9).                      CUSTREC 
000600      05  CUST-NAME                PIC X(40).                     CUSTREC 
000700      05  CUST-BIRTH-DATE          PIC 9(8).                      CUSTREC 
000800      05  CUST-TAX-ID              PIC X(11).                     CUSTREC 
000900      05  CUST-SEGMENT             PIC X(2) VALUE LOW-VALUES.     CUSTREC 
001000  01  CUST-ADDRESS-REC.                                           CUSTREC 
001100      05  ADDR-REC-TYPE            PIC X.                         CUSTREC 
001200      05  ADDR-CUST-ID             PIC 9(9).                      CUSTREC 
001300      05  ADDR-LINE                PIC X(35) OCCURS 3 TIMES.      CUSTREC 
001400      05  ADDR-POSTCODE            PIC X(10).                     CUSTREC 
001500      05  ADDR-COUNTRY             PIC X(2) VALUE 'US'.           CUSTREC 
001600  66  ADDR-KEY RENAMES ADDR-REC-TYPE THRU ADDR-CUST-ID.           CUSTREC 
