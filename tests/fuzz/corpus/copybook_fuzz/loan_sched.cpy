       01  LOAN-SCHEDULE.
           05  LS-LOAN-ID            PIC X(12).
           05  LS-PMT-COUNT          PIC S9(3) COMP.
           05  LS-PAYMENT OCCURS 1 TO 360 TIMES
                   DEPENDING ON LS-PMT-COUNT
                   ASCENDING KEY IS LS-DUE-DATE
                   INDEXED BY LS-IX.
               10  LS-DUE-DATE       PIC 9(8).
               10  LS-PRINCIPAL      PIC S9(9)V99 COMP-3.
               10  LS-INTEREST       PIC S9(9)V99 COMP-3.
           05  LS-TOTAL-DUE          PIC S9(11)V99 COMP-3.
