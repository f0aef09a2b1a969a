# dispatcher
