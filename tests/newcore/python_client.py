#!/usr/bin/env python3
"""A client in another language: Debian's python3-thrift against newcore.

usage: python_client.py IDL_PATH PORT

Generates the Python stubs from the same IDL with `thrift --gen py` into a
temporary directory, then opens an account, posts, replays a posting, and
checks that business outcomes arrive as the contract's typed exceptions.
Exit 0 when every check holds; prints what failed otherwise.
"""
import shutil
import subprocess
import sys
import tempfile


def main():
    idl, port = sys.argv[1], int(sys.argv[2])
    gen = tempfile.mkdtemp(prefix="cb_newcore_py_")
    try:
        subprocess.run(["thrift", "--gen", "py", "-out", gen, idl], check=True)
        sys.path.insert(0, gen)
        return run(port)
    finally:
        shutil.rmtree(gen, ignore_errors=True)


def run(port):
    from thrift.protocol import TBinaryProtocol
    from thrift.transport import TSocket, TTransport
    from corebanking import CoreBanking
    from corebanking.ttypes import (Direction, InsufficientFunds, InvalidRequest, Money,
                                    OpenAccountRequest, PostingRequest, ProductLine)

    transport = TTransport.TFramedTransport(TSocket.TSocket("127.0.0.1", port))
    client = CoreBanking.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    try:
        opened = client.openAccount(OpenAccountRequest(
            idempotency_key="PY-OPEN-1", product_code="SAVB", branch=12,
            customer_id=1000000042, initial_amount=Money(2500, "USD")))
        acct = opened.account
        check(acct.product_line == ProductLine.SAVINGS, "product line")
        check(acct.account_id.startswith("10012"), "account number " + acct.account_id)
        check(acct.ledger_balance.minor_units == 2500, "opening balance")

        req = PostingRequest(idempotency_key="PY-POST-1", account_id=acct.account_id,
                             direction=Direction.CREDIT, amount=Money(1999, "USD"),
                             description="PYTHON CREDIT")
        first = client.post(req)
        check(first.ledger_balance.minor_units == 4499, "balance after credit")
        check(first.posting_seq == 2, "posting sequence")
        again = client.post(req)
        check(again == first, "replay returns the first result")
        check(client.getAccount(acct.account_id).ledger_balance.minor_units == 4499,
              "replay applied once")

        try:
            client.post(PostingRequest(idempotency_key="PY-POST-2", account_id=acct.account_id,
                                       direction=Direction.DEBIT, amount=Money(10**6, "USD")))
            check(False, "insufficient funds not raised")
        except InsufficientFunds as e:
            check(e.account_id == acct.account_id, "insufficient funds account")
        try:
            client.post(PostingRequest(idempotency_key="PY-POST-3", account_id=acct.account_id,
                                       direction=Direction.CREDIT, amount=Money(1, "USD"),
                                       description="x" * 41))
            check(False, "invalid request not raised")
        except InvalidRequest as e:
            check(e.field == "description", "invalid field " + e.field)
        stmt = client.getStatement(acct.account_id, 5)
        check([p.seq for p in stmt.postings] == [2, 1], "statement newest first")
    finally:
        transport.close()
    print("python client: ok")
    return 0


def check(ok, what):
    if not ok:
        raise SystemExit("python client: FAILED: " + what)


if __name__ == "__main__":
    sys.exit(main())
