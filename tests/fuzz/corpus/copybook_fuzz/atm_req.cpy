      * ATM WITHDRAWAL REQUEST COMMAREA - STARTS AT LEVEL 05
           05  ATM-TERMINAL-ID       PIC X(8).
           05  ATM-CARD-NUMBER       PIC X(19).
           05  ATM-PIN-BLOCK         PIC X(16).
           05  ATM-AMOUNT            PIC 9(7)V99.
           05  ATM-CURRENCY          PIC X(3) VALUE 'USD'.
           05  ATM-TXN-TIME          PIC 9(14).
           05  ATM-TXN-TIME-R REDEFINES ATM-TXN-TIME.
               10  ATM-DATE          PIC 9(8).
               10  ATM-TIME          PIC 9(6).
