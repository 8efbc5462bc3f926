       01  CTL-BLOCK.
           05  CTL-FLAG              PIC X.
           05  CTL-COUNT             PIC S9(9) COMP SYNC.
           05  CTL-PTR               POINTER SYNC.
           05  CTL-RATE              COMP-2 SYNC.
           05  CTL-SHORT             COMP-1.
           05  CTL-IDX               INDEX.
           05  CTL-N5                PIC 9(5) COMP-5.
