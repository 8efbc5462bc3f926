      * COMMAREA OF THE TEST TRANSACTIONS ECHO AND NOPGM (50 BYTES).
       01  ECHO-CA.
           05  EC-TEXT             PIC X(20).
           05  EC-AMOUNT           PIC S9(7)V99 COMP-3.
           05  EC-BALANCE          PIC S9(7)V99.
           05  EC-COUNT            PIC 9(9).
           05  EC-RC               PIC 9(2).
           05  FILLER              PIC X(5).
